import * as tf from '@tensorflow/tfjs';
import { channelsOf, on, type Sym } from './symbolic';

/**
 * Append zero channels: [N,H,W,C] → [N,H,W,channels]. ENet's down-sampling main branch pads the
 * max-pooled input this way. tfjs has no channel padding layer, so channels are moved to a spatial axis,
 * zero-padded with ZeroPadding2D and moved back — built-in layers only, no parameters, no MACs.
 */
export function zeroPadChannels(x: Sym, channels: number, name: string): Sym {
  const extra = channels - channelsOf(x);
  if (extra === 0) return x;
  if (extra < 0) throw new Error(`zeroPadChannels: cannot pad ${channelsOf(x)} channels down to ${channels}`);
  const chw = on(tf.layers.permute({ dims: [3, 2, 1], name: `${name}_to_cwh` }), x);
  const padded = on(tf.layers.zeroPadding2d({ padding: [[0, extra], [0, 0]], name: `${name}_pad` }), chw);
  return on(tf.layers.permute({ dims: [3, 2, 1], name: `${name}_to_hwc` }), padded);
}
