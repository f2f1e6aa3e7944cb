import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@graphflow/core';

/**
 * Teacher-side adaptation used when graph-flow is given no paraphraser: identity when the tap already has C′
 * channels, otherwise a fixed (never trained) random projection C → C′ with N(0, 1/C′) entries. By the
 * Johnson–Lindenstrauss property such a map roughly preserves inner products between pixel descriptors, so
 * the teacher's channel structure survives while the student's translators learn to match it.
 * Input [N,h,w,C] → output [N,h,w,C′].
 */
export class FixedProjection {
  readonly matrix: tf.Variable | null;

  constructor(readonly name: string, inChannels: number, outChannels: number, rng: Rng) {
    if (inChannels === outChannels) {
      this.matrix = null;
      return;
    }
    const values = new Float32Array(inChannels * outChannels);
    const std = 1 / Math.sqrt(outChannels);
    for (let i = 0; i < values.length; i++) values[i] = rng.normal(0, std);
    this.matrix = tf.tidy(() => tf.variable(tf.tensor2d(values, [inChannels, outChannels]), false));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    if (!this.matrix) return x;
    const [n, h, w, c] = x.shape;
    return tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(x, [n * h * w, c]), this.matrix!), [n, h, w, this.matrix!.shape[1]!]) as tf.Tensor4D);
  }

  dispose(): void {
    this.matrix?.dispose();
  }
}
