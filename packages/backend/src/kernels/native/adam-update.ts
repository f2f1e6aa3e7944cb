import * as tf from '@tensorflow/tfjs';
import { FUSED_ADAM_KERNEL, type FusedAdamAttrs } from '@graphflow/core';
import type { NativeAddon } from '@graphflow/backend-native';
import type { KernelArgs } from '../composite-kernel';
import { float32Inputs, heapOffset, nativeKernel, withOutputs, type NativeResult } from './native-kernel';

/** One Adam/AdamW update in one pass: {w, g, m, v} → [w', m', v'], rounding exactly like the op chain (see FUSED_ADAM_KERNEL). */
function run({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon): NativeResult {
  const { w, g, m, v } = inputs as Record<string, tf.TensorInfo | undefined>;
  const why = float32Inputs(w, g, m, v);
  if (why) return { fallback: why };
  const n = tf.util.sizeFromShape(w!.shape);
  if ([g, m, v].some((t) => tf.util.sizeFromShape(t!.shape) !== n)) return { fallback: 'shapes differ' };
  const a = attrs as unknown as FusedAdamAttrs;
  const packed = Float64Array.from([a.beta1, a.beta2, a.oneMinusBeta1, a.oneMinusBeta2, a.epsilon, a.lr, a.c1, a.c2, a.weightDecay, a.lrTimesWeightDecay, a.decoupled ? 1 : 0]);
  return withOutputs(backend, [w!.shape.slice(), w!.shape.slice(), w!.shape.slice()], ([wOut, mOut, vOut], heap) =>
    addon.adamUpdate(
      heap(), n, heapOffset(backend, w!), heapOffset(backend, g!), heapOffset(backend, m!), heapOffset(backend, v!),
      heapOffset(backend, wOut!), heapOffset(backend, mOut!), heapOffset(backend, vOut!), packed,
    ),
  );
}

export const adamUpdateNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(FUSED_ADAM_KERNEL, addon, (args) => run(args, addon));
