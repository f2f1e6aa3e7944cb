import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@graphflow/backend-native';
import type { KernelArgs } from '../composite-kernel';
import { ELEMENT_BYTES } from './concat';
import { heapOffset, nativeKernel, withOutput, type NativeResult } from './native-kernel';

type Pairs = [[number, number], [number, number]];

function fourD(t: tf.TensorInfo, block: number[]): string | undefined {
  if (t.shape.length !== 4 || block.length !== 2) return '4-D NHWC with a 2-D block only';
  if (!ELEMENT_BYTES[t.dtype]) return `dtype ${t.dtype}`;
  if (tf.util.sizeFromShape(t.shape) === 0) return 'empty tensor';
  return undefined;
}

/** SpaceToBatchND: x [N, H, W, C], block [bh, bw], paddings [[t, b], [l, r]] → [bh·bw·N, (H+t+b)/bh, (W+l+r)/bw, C]. */
function spaceToBatch({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon): NativeResult {
  const { x } = inputs as Record<string, tf.TensorInfo | undefined>;
  const { blockShape, paddings } = attrs as unknown as { blockShape: number[]; paddings: Pairs };
  const why = fourD(x!, blockShape);
  if (why) return { fallback: why };
  const [N, H, W, C] = x!.shape as [number, number, number, number];
  const [bh, bw] = blockShape as [number, number];
  const [[pt, pb], [pl, pr]] = paddings;
  if ((H + pt + pb) % bh !== 0 || (W + pl + pr) % bw !== 0) return { fallback: 'padded size not divisible by the block' };
  const Hb = (H + pt + pb) / bh, Wb = (W + pl + pr) / bw;
  const geometry = Int32Array.from([N, H, W, C, bh, bw, pt, pl, Hb, Wb]);
  return withOutput(
    backend,
    [bh * bw * N, Hb, Wb, C],
    (out, heap) => addon.spaceToBatch(heap(), geometry, heapOffset(backend, x!), heapOffset(backend, out), ELEMENT_BYTES[x!.dtype]!),
    x!.dtype,
  );
}

/** BatchToSpaceND: x [bh·bw·N, Hb, Wb, C], block [bh, bw], crops [[t, b], [l, r]] → [N, Hb·bh−t−b, Wb·bw−l−r, C]. */
function batchToSpace({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon): NativeResult {
  const { x } = inputs as Record<string, tf.TensorInfo | undefined>;
  const { blockShape, crops } = attrs as unknown as { blockShape: number[]; crops: Pairs };
  const why = fourD(x!, blockShape);
  if (why) return { fallback: why };
  const [B, Hb, Wb, C] = x!.shape as [number, number, number, number];
  const [bh, bw] = blockShape as [number, number];
  const [[ct, cb], [cl, cr]] = crops;
  if (B % (bh * bw) !== 0) return { fallback: 'batch not divisible by the block' };
  const N = B / (bh * bw), H = Hb * bh - ct - cb, W = Wb * bw - cl - cr;
  if (H <= 0 || W <= 0) return { fallback: 'crops leave nothing' };
  const geometry = Int32Array.from([N, H, W, C, bh, bw, ct, cl, Hb, Wb]);
  return withOutput(
    backend,
    [N, H, W, C],
    (out, heap) => addon.batchToSpace(heap(), geometry, heapOffset(backend, x!), heapOffset(backend, out), ELEMENT_BYTES[x!.dtype]!),
    x!.dtype,
  );
}

export const spaceToBatchNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(tf.SpaceToBatchND, addon, (args) => spaceToBatch(args, addon));
export const batchToSpaceNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(tf.BatchToSpaceND, addon, (args) => batchToSpace(args, addon));
