import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@graphflow/core';
import { ConvLayer } from '../util/conv';

/**
 * Trainable linear 1×1 convolution mapping a student tap to the teacher's channel count, for baselines whose
 * statistic depends on channel identity (FSP, CoCo's channel correlation). Identity (no variables) when the
 * counts already match. Input [N,h,w,C_s] → output [N,h,w,C_t].
 */
export class ChannelProjection {
  private readonly conv: ConvLayer | null;

  constructor(name: string, inChannels: number, outChannels: number, rng: Rng) {
    this.conv = inChannels === outChannels ? null : new ConvLayer(name, inChannels, outChannels, 1, 1, rng);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv ? this.conv.apply(x) : x;
  }

  variables(): tf.Variable[] {
    return this.conv ? this.conv.variables() : [];
  }

  named(): { name: string; variable: tf.Variable }[] {
    return this.conv ? this.conv.named() : [];
  }

  dispose(): void {
    this.conv?.dispose();
  }
}

/** Disposes and empties a list of projections (terms rebuild them on every bind). */
export function disposeAll(items: ChannelProjection[]): void {
  for (const p of items) p.dispose();
  items.length = 0;
}

