import * as tf from '@tensorflow/tfjs';

/**
 * Gradient of Tile as one reshape and one sum: dy [r0·d0, r1·d1, …] viewed as [r0, d0, r1, d1, …], summed over
 * the repeat axes. tfjs's own gradient adds one slice per repetition — 33,000 Slice and Add kernels per TransUNet
 * training step, because tf.layers' layerNormalization tiles its statistics over every token.
 */
export const tileGradient: tf.GradConfig = {
  kernelName: tf.Tile,
  inputsToSave: ['x'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [x] = saved;
    const reps = (attrs as unknown as { reps: number[] }).reps;
    return {
      x: () => {
        const grad = dy as tf.Tensor;
        const split: number[] = [];
        x!.shape.forEach((d, i) => split.push(reps[i]!, d));
        const repeatAxes = reps.map((_, i) => 2 * i);
        return tf.sum(tf.reshape(grad, split), repeatAxes);
      },
    };
  },
};
