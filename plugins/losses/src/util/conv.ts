import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@graphflow/core';

/**
 * A 2-D convolution layer held as plain variables, so loss terms and modules own exactly the state they
 * checkpoint (tf.layers models would add their own naming and graph bookkeeping we do not need).
 * Input [N,H,W,Cin] → output [N,ceil(H/stride),ceil(W/stride),Cout] ('same' padding).
 */
export class ConvLayer {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly size: number,
    readonly stride: number,
    rng: Rng,
    trainable = true,
  ) {
    // He-normal initialisation (fan-in), drawn from our seeded Rng so runs are reproducible on any backend.
    const fanIn = size * size * inChannels;
    const std = Math.sqrt(2 / fanIn);
    const values = new Float32Array(fanIn * outChannels);
    for (let i = 0; i < values.length; i++) values[i] = rng.normal(0, std);
    this.kernel = tf.tidy(() => tf.variable(tf.tensor4d(values, [size, size, inChannels, outChannels]), trainable, `${name}.kernel_${uniqueSuffix()}`));
    this.bias = tf.tidy(() => tf.variable(tf.zeros([outChannels]), trainable, `${name}.bias_${uniqueSuffix()}`));
  }

  /** Applies the convolution with an optionally replaced kernel (spectral normalisation passes its scaled kernel). */
  apply(x: tf.Tensor4D, kernel: tf.Tensor4D = this.kernel as tf.Tensor4D): tf.Tensor4D {
    return tf.add(tf.conv2d(x, kernel, this.stride, 'same'), this.bias);
  }

  variables(): tf.Variable[] {
    return [this.kernel, this.bias];
  }

  named(): { name: string; variable: tf.Variable }[] {
    return [
      { name: `${this.name}.kernel`, variable: this.kernel },
      { name: `${this.name}.bias`, variable: this.bias },
    ];
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias.dispose();
  }
}

let counter = 0;
/** tfjs variable names are global; a suffix keeps two instances of the same module from colliding. */
export function uniqueSuffix(): number {
  counter += 1;
  return counter;
}

/**
 * LeakyReLU built from two ReLUs. tf.leakyRelu's gradient uses `Greater`, which has no gradient of its own,
 * so second-order gradients (WGAN-GP) fail through it; this form is differentiable twice.
 */
export function leakyRelu(x: tf.Tensor4D, alpha: number): tf.Tensor4D {
  return tf.sub(tf.relu(x), tf.mul(tf.relu(tf.neg(x)), alpha));
}
