import * as tf from '@tensorflow/tfjs';

/** Small constant that keeps L2 normalisation finite (and its gradient bounded) for all-zero vectors. */
export const NORM_EPS = 1e-8;

/** Divides by the L2 norm along `axis` (kept), guarding zero vectors. */
export function l2Normalize<T extends tf.Tensor>(x: T, axis: number): T {
  return tf.tidy(() => tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), axis, true), NORM_EPS))) as T);
}

