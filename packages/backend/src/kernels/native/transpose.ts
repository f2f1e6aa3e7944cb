import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@graphflow/backend-native';
import type { KernelArgs } from '../composite-kernel';
import { ELEMENT_BYTES } from './concat';
import { heapOffset, nativeKernel, withOutput, type NativeResult } from './native-kernel';

/** Transpose: x [d0, …, d(r−1)], perm → [d(perm[0]), …], as one oneDNN reorder (rank ≤ 6). */
function run({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon): NativeResult {
  const { x } = inputs as Record<string, tf.TensorInfo | undefined>;
  const { perm } = attrs as unknown as { perm: number[] };
  const bytes = ELEMENT_BYTES[x!.dtype];
  if (!bytes) return { fallback: `dtype ${x!.dtype}` };
  if (x!.shape.length < 1 || x!.shape.length > 6) return { fallback: `rank ${x!.shape.length}` };
  if (tf.util.sizeFromShape(x!.shape) === 0) return { fallback: 'empty tensor' };
  const outShape = perm.map((p) => x!.shape[p]!);
  return withOutput(
    backend,
    outShape,
    (out, heap) => addon.transpose(heap(), Int32Array.from(x!.shape), Int32Array.from(perm), heapOffset(backend, x!), heapOffset(backend, out), bytes),
    x!.dtype,
  );
}

export const transposeNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(tf.Transpose, addon, (args) => run(args, addon));
