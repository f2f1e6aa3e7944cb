import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@graphflow/core';
import { l2Normalize } from '../util/normalize';
import { stopGradient } from '../util/stop-gradient';

/**
 * Spectral normalisation of a conv kernel (Miyato et al., ICLR 2018): W / σ(W), σ estimated by one power
 * iteration per discriminator update on W reshaped to [kh·kw·Cin, Cout]. The running vector u is state
 * (checkpointed, never trained); u and v are constants for the gradient, as in the paper.
 */
export class SpectralNorm {
  readonly u: tf.Variable;

  constructor(readonly name: string, outChannels: number, rng: Rng) {
    const values = new Float32Array(outChannels);
    for (let i = 0; i < outChannels; i++) values[i] = rng.normal();
    this.u = tf.tidy(() => tf.variable(l2Normalize(tf.tensor2d(values, [1, outChannels]), 1), false));
  }

  /** The kernel divided by its estimated largest singular value; `update` advances the power iteration. */
  normalize(kernel: tf.Tensor4D, update: boolean): tf.Tensor4D {
    const [kh, kw, cin, cout] = kernel.shape;
    const estimate = tf.tidy(() => {
      const w = tf.reshape(stopGradient(kernel), [kh * kw * cin, cout]);
      const v = l2Normalize(tf.matMul(this.u, w, false, true), 1); // [1, K]
      const u = l2Normalize(tf.matMul(v, w), 1); // [1, Cout]
      return { u, v };
    });
    if (update) this.u.assign(estimate.u);
    return tf.tidy(() => {
      const w = tf.reshape(kernel, [kh * kw * cin, cout]);
      const sigma = tf.sum(tf.mul(tf.matMul(estimate.v, w), estimate.u));
      tf.dispose([estimate.u, estimate.v]);
      return tf.div(kernel, sigma) as tf.Tensor4D;
    });
  }

  dispose(): void {
    this.u.dispose();
  }
}
