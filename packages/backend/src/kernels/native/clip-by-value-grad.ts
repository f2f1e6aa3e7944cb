import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@graphflow/backend-native';
import { CLIP_BY_VALUE_GRAD_KERNEL } from '../../gradients/clip-by-value-gradient';
import type { KernelArgs } from '../composite-kernel';
import { float32Inputs, heapOffset, nativeKernel, withOutput, type NativeResult } from './native-kernel';

/** ClipByValue's gradient in one pass: {dy, x} → min ≤ x ≤ max ? dy : 0 (same shape). */
function run({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon): NativeResult {
  const { dy, x } = inputs as Record<string, tf.TensorInfo | undefined>;
  const why = float32Inputs(dy, x);
  if (why) return { fallback: why };
  const n = tf.util.sizeFromShape(x!.shape);
  if (tf.util.sizeFromShape(dy!.shape) !== n) return { fallback: 'shapes differ' };
  const { clipValueMin, clipValueMax } = attrs as unknown as { clipValueMin: number; clipValueMax: number };
  return withOutput(backend, x!.shape.slice(), (out, heap) =>
    addon.clipByValueGrad(heap(), n, heapOffset(backend, dy!), heapOffset(backend, x!), heapOffset(backend, out), clipValueMin, clipValueMax),
  );
}

export const clipByValueGradNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(CLIP_BY_VALUE_GRAD_KERNEL, addon, (args) => run(args, addon));
