import * as tf from '@tensorflow/tfjs';
import { defineCompositeKernel } from '../composite-kernel';

/**
 * Segment sum (the gradient of `gather`), as a one-hot matrix product: out = onehot(ids)ᵀ · x.
 * Ids outside [0, numSegments) get an all-zero one-hot row and are dropped, as in TensorFlow.
 *
 * Inputs: x [n, …rest], segmentIds [n] int32; output [numSegments, …rest].
 */
export function unsortedSegmentSum([x, segmentIds]: tf.Tensor[], attrs: { numSegments: number }): tf.Tensor {
  const n = x!.shape[0]!;
  const rest = x!.shape.slice(1);
  const flat = x!.reshape([n, rest.reduce((a, b) => a * b, 1)]);
  const selector = tf.transpose(tf.oneHot(segmentIds!.reshape([n]).toInt(), attrs.numSegments).toFloat());
  const out = tf.matMul(selector, flat.toFloat());
  return (x!.dtype === 'int32' ? out.round().toInt() : out).reshape([attrs.numSegments, ...rest]);
}

export const unsortedSegmentSumWasm = defineCompositeKernel(tf.UnsortedSegmentSum, 'wasm', ['x', 'segmentIds'], unsortedSegmentSum);
