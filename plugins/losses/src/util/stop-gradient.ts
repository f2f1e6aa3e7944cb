import * as tf from '@tensorflow/tfjs';

/**
 * Identity whose gradient is zero (tfjs has no stop_gradient op). Teacher-side tensors go through it so a
 * stage that happens to list teacher or paraphraser variables still never updates them through a loss.
 */
const stop = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
