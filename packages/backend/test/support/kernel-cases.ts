import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { closeness, randomData, runOn } from './compare-backends';

/**
 * Cases for every kernel GraphFlow adds to wasm (and that the native backend runs), checked against tfjs's reference `cpu` backend on the same inputs:
 * forward values and the gradients that reach the new kernels (strides 1/2/3, same/valid padding,
 * odd and non-square sizes, asymmetric 1×k / k×1 filters, batch 1 and 2, channel multipliers).
 *
 * Tolerance: |wasm − cpu| ≤ ATOL + RTOL · max|cpu| per output. Both are float32; XNNPACK sums in a different
 * order (and our filter gradient sums N·H·W products in one GEMM), so a few ulps of the largest value.
 */
const ATOL = 1e-4;
const RTOL = 1e-4;

export type Case = { name: string; shapes: number[][]; fn: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[] };

/** Runs a case on `backend` and on `cpu` with identical inputs and compares every output. */
export async function checkAgainstCpu(c: Case, backend: string): Promise<void> {
  const make = (): tf.Tensor[] => c.shapes.map((s, i) => tf.tensor(randomData(s, 17 + 31 * i), s));
  const expected = await runOn('cpu', () => c.fn(...make()));
  const actual = await runOn(backend, () => c.fn(...make()));
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    const r = closeness(a, expected[i]!, ATOL, RTOL);
    assert.ok(r.ok, `${c.name} output ${i}: max |${backend} − cpu| = ${r.maxDiff} > tolerance ${r.tol}`);
  });
}

/** Value and both gradients of a convolution-like op, with a non-uniform upstream gradient. */
export function valueAndGrads(op: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor) {
  return (x: tf.Tensor, w: tf.Tensor): tf.Tensor[] => {
    const y = op(x, w);
    const weights = tf.tensor(randomData(y.shape, 99), y.shape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => op(a, b).mul(weights).sum())([x, w]);
    return [y, ...g];
  };
}

export const conv = (strides: number | [number, number], pad: 'same' | 'valid') => valueAndGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad));
export const depthwise = (strides: number, pad: 'same' | 'valid') => valueAndGrads((x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad));

export const KERNEL_CASES: Case[] = [
  { name: 'conv 3×3 s1 same, 7×9, batch 1', shapes: [[1, 7, 9, 3], [3, 3, 3, 5]], fn: conv(1, 'same') },
  { name: 'conv 3×3 s2 same, 8×8, batch 2', shapes: [[2, 8, 8, 4], [3, 3, 4, 6]], fn: conv(2, 'same') },
  { name: 'conv 3×3 s2 same, odd 9×7', shapes: [[1, 9, 7, 2], [3, 3, 2, 3]], fn: conv(2, 'same') },
  { name: 'conv 2×2 s2 valid, odd 9×7', shapes: [[1, 9, 7, 2], [2, 2, 2, 5]], fn: conv(2, 'valid') },
  { name: 'conv 5×5 s3 valid, 11×13', shapes: [[2, 11, 13, 3], [5, 5, 3, 4]], fn: conv(3, 'valid') },
  { name: 'conv 1×3 s1 same (asymmetric)', shapes: [[1, 6, 10, 4], [1, 3, 4, 4]], fn: conv(1, 'same') },
  { name: 'conv 3×1 s1 same (asymmetric)', shapes: [[1, 10, 6, 4], [3, 1, 4, 4]], fn: conv(1, 'same') },
  { name: 'conv 1×1 s1 valid', shapes: [[2, 5, 5, 8], [1, 1, 8, 3]], fn: conv(1, 'valid') },
  { name: 'conv [1,2] strides same', shapes: [[1, 7, 8, 3], [3, 3, 3, 2]], fn: conv([1, 2], 'same') },
  {
    name: 'conv2dTranspose 2×2 s2 (U-Net up-sampling)',
    shapes: [[2, 5, 4, 6], [2, 2, 3, 6]],
    fn: valueAndGrads((x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [x.shape[0]!, 10, 8, 3], 2, 'same')),
  },
  {
    name: 'conv2dTranspose 3×3 s2 same (overlapping windows)',
    shapes: [[1, 4, 5, 3], [3, 3, 2, 3]],
    fn: valueAndGrads((x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 8, 10, 2], 2, 'same')),
  },
  {
    name: 'conv2dTranspose 4×4 s2 valid, odd output',
    shapes: [[2, 3, 3, 2], [4, 4, 3, 2]],
    fn: valueAndGrads((x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 8, 8, 3], 2, 'valid')),
  },
  { name: 'conv 3×3 s2 valid, odd 10×9 (input rows no window reaches)', shapes: [[1, 10, 9, 2], [3, 3, 2, 3]], fn: conv(2, 'valid') },
  { name: 'conv 4×4 s3 same, 10×11', shapes: [[1, 10, 11, 2], [4, 4, 2, 3]], fn: conv(3, 'same') },
  { name: 'depthwise 3×3 s1 same, M=1', shapes: [[1, 9, 9, 4], [3, 3, 4, 1]], fn: depthwise(1, 'same') },
  { name: 'depthwise 3×3 s2 same, M=2, 8×7', shapes: [[2, 8, 7, 3], [3, 3, 3, 2]], fn: depthwise(2, 'same') },
  { name: 'depthwise 5×5 s2 valid, odd 11×9', shapes: [[1, 11, 9, 2], [5, 5, 2, 1]], fn: depthwise(2, 'valid') },
  { name: 'depthwise 3×3 s2 valid, 8×8 (a row and column no window reaches), M=3', shapes: [[2, 8, 8, 2], [3, 3, 2, 3]], fn: depthwise(2, 'valid') },
  { name: 'depthwise 3×3 s1 valid, 7×7', shapes: [[1, 7, 7, 3], [3, 3, 3, 1]], fn: depthwise(1, 'valid') },
  { name: 'depthwise 3×3 s2 same, even 8×8 (MobileNetV2 down)', shapes: [[1, 8, 8, 5], [3, 3, 5, 1]], fn: depthwise(2, 'same') },
  {
    name: 'gather gradient (UnsortedSegmentSum)',
    shapes: [[6, 3, 2]],
    fn: (x) => tf.grads((a: tf.Tensor) => tf.gather(a, tf.tensor1d([0, 2, 2, 5, 1], 'int32')).mul(tf.range(1, 31).reshape([5, 3, 2])).sum())([x]),
  },
  {
    name: 'tile: batch-norm broadcast, general 2-D, 3-D repeats and int32',
    shapes: [[1, 1, 1, 5], [2, 3], [2, 1, 3]],
    fn: (a, b, c) => [tf.tile(a!, [2, 3, 4, 1]), tf.tile(b!, [3, 2]), tf.tile(c!, [2, 4, 3]), tf.tile(tf.tensor1d([1, 2, 3], 'int32'), [2]).toFloat(),
      ...tf.grads((t: tf.Tensor) => tf.tile(t, [3, 2]).mul(tf.range(0, 36).reshape([6, 6])).sum())([b!])],
  },
  {
    name: 'einsum batched attention contraction',
    shapes: [[2, 4, 3], [2, 3, 5]],
    fn: (a, b) => [tf.einsum('bij,bjk->bik', a!, b!), tf.einsum('bij,bij->b', a!, a!)],
  },
];

