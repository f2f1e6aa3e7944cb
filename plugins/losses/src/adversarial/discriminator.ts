import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@graphflow/core';
import { ConvLayer, leakyRelu } from '../util/conv';
import { SpectralNorm } from './spectral-norm';

/**
 * Fully convolutional discriminator over segmentation probability maps (optionally concatenated with the
 * image). Input [N,H,W,Cin] → strided conv3×3 (stride 2) + LeakyReLU(0.2) per width → conv3×3 to 1 channel →
 * spatial mean → scores [N]. Its activations are twice-differentiable (see leakyRelu) so WGAN-GP works.
 */
export class Discriminator {
  private readonly layers: ConvLayer[] = [];
  private readonly norms: SpectralNorm[] = [];

  constructor(inChannels: number, widths: readonly number[], spectralNorm: boolean, rng: Rng) {
    let c = inChannels;
    widths.forEach((w, i) => {
      this.layers.push(new ConvLayer(`discriminator.conv${i + 1}`, c, w, 3, 2, rng));
      c = w;
    });
    this.layers.push(new ConvLayer('discriminator.score', c, 1, 3, 1, rng));
    if (spectralNorm) this.layers.forEach((l) => this.norms.push(new SpectralNorm(`${l.name}.u`, l.outChannels, rng)));
  }

  /** Scores [N]; `updateNorms` advances spectral-norm power iterations (only on discriminator updates). */
  score(x: tf.Tensor4D, updateNorms = false): tf.Tensor1D {
    return tf.tidy(() => {
      let h = x;
      this.layers.forEach((layer, i) => {
        const kernel = this.norms[i] ? this.norms[i]!.normalize(layer.kernel as tf.Tensor4D, updateNorms) : undefined;
        h = layer.apply(h, kernel);
        if (i < this.layers.length - 1) h = leakyRelu(h, 0.2);
      });
      return tf.mean(h, [1, 2, 3]) as tf.Tensor1D;
    });
  }

  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => l.variables());
  }

  named(): { name: string; variable: tf.Variable }[] {
    return [...this.layers.flatMap((l) => l.named()), ...this.norms.map((n) => ({ name: n.name, variable: n.u }))];
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
    for (const n of this.norms) n.dispose();
  }
}
