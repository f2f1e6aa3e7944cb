import type * as tf from '@tensorflow/tfjs';

/** A node of a functional tfjs-layers graph; every block takes and returns these. */
export type Sym = tf.SymbolicTensor;

/** Apply a layer to one symbolic input; tfjs types `apply` loosely, this narrows it once. */
export function on(layer: tf.layers.Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

/** Channels of an NHWC symbolic tensor (always static in our graphs). */
export function channelsOf(x: Sym): number {
  return x.shape[x.shape.length - 1] as number;
}
