import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@graphflow/backend-native';
import { PRELU_GRAD_KERNEL } from '../../gradients/prelu-gradient';
import type { KernelArgs } from '../composite-kernel';
import { channelsLastGeometry, float32Inputs, heapOffset, nativeKernel, withOutput, withOutputs, type NativeResult } from './native-kernel';

/**
 * [N, H, W, C, alphaCount] for oneDNN, or why not: alpha must be one value per channel (last axis) or one value
 * for all — what tf.layers.prelu makes with sharedAxes [1, 2] and what tf.prelu with a scalar slope does.
 */
function geometry(x: tf.TensorInfo, alpha: tf.TensorInfo): Int32Array | string {
  const C = x.shape[x.shape.length - 1] ?? 0;
  const A = tf.util.sizeFromShape(alpha.shape);
  const perChannel = A === C && (alpha.shape[alpha.shape.length - 1] ?? 1) === C;
  if (A !== 1 && !perChannel) return `alpha of shape [${alpha.shape.join(', ')}] is not per channel`;
  if (alpha.shape.length > x.shape.length) return 'alpha has more dimensions than x';
  const g = channelsLastGeometry(x.shape);
  return g ? Int32Array.from([...g, A]) : 'unsupported rank';
}

/** {x, alpha} → x > 0 ? x : alpha·x. */
function forward({ inputs, backend }: KernelArgs, addon: NativeAddon): NativeResult {
  const { x, alpha } = inputs as Record<string, tf.TensorInfo | undefined>;
  const why = float32Inputs(x, alpha);
  if (why) return { fallback: why };
  const g = geometry(x!, alpha!);
  if (typeof g === 'string') return { fallback: g };
  return withOutput(backend, x!.shape.slice(), (y, heap) => addon.prelu(heap(), g, heapOffset(backend, x!), heapOffset(backend, alpha!), heapOffset(backend, y)));
}

/** {dy, x, alpha} → [dx, dalpha]. */
function backward({ inputs, backend }: KernelArgs, addon: NativeAddon): NativeResult {
  const { dy, x, alpha } = inputs as Record<string, tf.TensorInfo | undefined>;
  const why = float32Inputs(dy, x, alpha);
  if (why) return { fallback: why };
  if (!tf.util.arraysEqual(dy!.shape, x!.shape)) return { fallback: 'dy and x differ in shape' };
  const g = geometry(x!, alpha!);
  if (typeof g === 'string') return { fallback: g };
  return withOutputs(backend, [x!.shape.slice(), alpha!.shape.slice()], ([dx, dalpha], heap) =>
    addon.preluGrad(heap(), g, heapOffset(backend, dy!), heapOffset(backend, x!), heapOffset(backend, alpha!), heapOffset(backend, dx!), heapOffset(backend, dalpha!)),
  );
}

export const preluNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(tf.Prelu, addon, (args) => forward(args, addon));
export const preluGradNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(PRELU_GRAD_KERNEL, addon, (args) => backward(args, addon));
