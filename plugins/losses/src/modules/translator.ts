import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@graphflow/core';
import { ConvLayer, leakyRelu } from '../util/conv';

/**
 * Translator (factor transfer, Kim et al. 2018): a small conv encoder on a student tap that maps it to the
 * teacher factor's channel count C′. Input [N,h,w,C_s] → output [N,h,w,C′]; layers are conv3×3 + LeakyReLU(0.1).
 * Created by a loss term at bind time (only then are the student's channels known); the term trains and
 * checkpoints it.
 */
export class Translator {
  private readonly layers: ConvLayer[];

  constructor(readonly name: string, inChannels: number, outChannels: number, depth: number, rng: Rng) {
    this.layers = [];
    let c = inChannels;
    for (let i = 0; i < depth; i++) {
      const out = i === depth - 1 ? outChannels : Math.max(outChannels, inChannels);
      this.layers.push(new ConvLayer(`${name}.conv${i + 1}`, c, out, 3, 1, rng));
      c = out;
    }
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.layers.reduce((h, layer) => leakyRelu(layer.apply(h), 0.1), x));
  }

  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => l.variables());
  }

  named(): { name: string; variable: tf.Variable }[] {
    return this.layers.flatMap((l) => l.named());
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}
