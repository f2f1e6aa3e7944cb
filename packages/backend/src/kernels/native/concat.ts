import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@graphflow/backend-native';
import type { KernelArgs } from '../composite-kernel';
import { heapOffset, nativeKernel, withOutput, type NativeResult } from './native-kernel';

/** Bytes per element of the dtypes the copy kernels take (wasm stores bool as one byte). */
export const ELEMENT_BYTES: Readonly<Partial<Record<tf.DataType, number>>> = { float32: 4, int32: 4, bool: 1 };

/**
 * Concat along any axis: inputs [...outer, a_i, ...inner] → [...outer, Σa_i, ...inner], as `outer` rows of
 * contiguous bytes copied side by side.
 */
function run({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon): NativeResult {
  const list = (inputs as unknown as tf.TensorInfo[]).filter((t) => tf.util.sizeFromShape(t.shape) > 0);
  if (list.length < 2) return { fallback: 'fewer than two non-empty inputs' };
  const dtype = list[0]!.dtype;
  const bytes = ELEMENT_BYTES[dtype];
  if (!bytes || list.some((t) => t.dtype !== dtype)) return { fallback: `dtype ${dtype}` };
  const axis = tf.util.parseAxisParam((attrs as unknown as { axis: number }).axis, list[0]!.shape)[0]!;
  const outShape = tf.backend_util.computeOutShape(list.map((t) => t.shape), axis);
  const outer = tf.util.sizeFromShape(outShape.slice(0, axis));
  const rowBytes = Uint32Array.from(list.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)) * bytes));
  return withOutput(
    backend,
    outShape,
    (out, heap) => addon.concat(heap(), outer, heapOffset(backend, out), Uint32Array.from(list.map((t) => heapOffset(backend, t))), rowBytes),
    dtype,
  );
}

export const concatNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(tf.Concat, addon, (args) => run(args, addon));
