import * as tf from '@tensorflow/tfjs';
import { channelsOf, on, type Sym } from './symbolic';

/**
 * Spatial dropout (drops whole channels), built from the standard Dropout layer with noise shape
 * [N,1,1,C] so a saved model needs no custom class to load. Identity when rate is 0 or in inference mode.
 * Shape preserving: [N,H,W,C] → [N,H,W,C].
 */
export function spatialDropout(x: Sym, rate: number, name: string): Sym {
  if (rate <= 0) return x;
  return on(tf.layers.dropout({ rate, noiseShape: [null, 1, 1, channelsOf(x)] as unknown as number[], name }), x);
}
