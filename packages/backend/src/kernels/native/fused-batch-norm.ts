import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@graphflow/backend-native';
import type { KernelArgs } from '../composite-kernel';
import { float32Inputs, heapOffset, nativeKernel, withOutput, type NativeResult } from './native-kernel';

/**
 * FusedBatchNorm with given statistics: x [..., C], mean/variance/offset/scale of C values (or 1) →
 * (x − mean)·scale/√(variance + ε) + offset, in one multithreaded pass.
 */
function run({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon): NativeResult {
  const { x, mean, variance, offset, scale } = inputs as Record<string, tf.TensorInfo | undefined>;
  const why = float32Inputs(x, mean, variance, offset, scale);
  if (why) return { fallback: why };
  const C = x!.shape[x!.shape.length - 1] ?? 1;
  const count = (t: tf.TensorInfo | undefined): number => (t ? tf.util.sizeFromShape(t.shape) : 1);
  for (const t of [mean, variance, offset, scale]) {
    if (t && count(t) !== C && count(t) !== 1) return { fallback: 'statistics are not per channel' };
  }
  const rows = tf.util.sizeFromShape(x!.shape) / C;
  const eps = (attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
  return withOutput(backend, x!.shape.slice(), (out, heap) =>
    addon.batchNorm(
      heap(), rows, C, heapOffset(backend, x!), heapOffset(backend, mean!), heapOffset(backend, variance!),
      scale ? heapOffset(backend, scale) : -1, offset ? heapOffset(backend, offset) : -1, heapOffset(backend, out), eps,
      count(mean), count(variance), count(scale), count(offset),
    ),
  );
}

export const fusedBatchNormNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(tf.FusedBatchNorm, addon, (args) => run(args, addon));
