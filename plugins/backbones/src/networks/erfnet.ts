import * as tf from '@tensorflow/tfjs';
import { type NetworkGraph, type SymbolicTap, conventionalTapDefaults, sidesMultipleOf } from '@graphflow/core';
import { erfnetDownsampler, erfnetUpsampler, nonBottleneck1d } from '../blocks/erfnet-blocks';
import { channelsOf, on, type Sym } from '../blocks/symbolic';
import { PORTABLE_CLASS_NAMES } from '../layers/portable-class-names';

export interface ERFNetOptions {
  inChannels: number;
  numClasses: number;
  /** Scales ERFNet's 16/64/128 channel widths. */
  widthMultiplier: number;
  /** Dropout of the 64-channel blocks (paper: 0.03) and of the 128-channel blocks (paper: 0.3). */
  dropoutStage1: number;
  dropout: number;
}

const DILATIONS = [2, 4, 8, 16];

/**
 * ERFNet (Romera et al. 2018), Table 1: down-sampler 16 → down-sampler 64 → 5 × non-bottleneck-1D(64) →
 * down-sampler 128 → 2 × non-bottleneck-1D(128, dilation 2, 4, 8, 16) → up-sampler 64 → 2 × nb1D(64) →
 * up-sampler 16 → 2 × nb1D(16) → 2×2 stride-2 transposed conv to the classes.
 * Input [N,H,W,inChannels] (H, W multiples of 8) → logits [N,H,W,numClasses].
 * Taps: enc1 [H/2,16α], enc2 [H/4,64α], bottleneck [H/8,128α], dec1 [H/4,64α], dec2 [H/2,16α].
 */
export function buildERFNet(o: ERFNetOptions): NetworkGraph {
  const w = (c: number): number => Math.max(4, Math.round(c * o.widthMultiplier));
  const c16 = Math.max(w(16), o.inChannels + 1);
  const c64 = Math.max(w(64), c16 + 1);
  const c128 = Math.max(w(128), c64 + 1);
  const input = tf.input({ shape: [null, null, o.inChannels], name: 'image' });
  const taps: SymbolicTap[] = [];
  const tap = (name: string, tensor: Sym, stride: number, role: string): void => {
    taps.push({ info: { name, channels: channelsOf(tensor), stride, role }, tensor });
  };
  let x = erfnetDownsampler(input, c16, 'down1');
  tap('enc1', x, 2, 'encoder');
  x = erfnetDownsampler(x, c64, 'down2');
  for (let i = 1; i <= 5; i++) x = nonBottleneck1d(x, 1, o.dropoutStage1, `enc2_nb${i}`);
  tap('enc2', x, 4, 'encoder');
  x = erfnetDownsampler(x, c128, 'down3');
  let block = 0;
  for (let rep = 0; rep < 2; rep++) {
    for (const d of DILATIONS) x = nonBottleneck1d(x, d, o.dropout, `enc3_nb${++block}`);
  }
  tap('bottleneck', x, 8, 'bottleneck');
  x = erfnetUpsampler(x, c64, 'up1');
  for (let i = 1; i <= 2; i++) x = nonBottleneck1d(x, 1, 0, `dec1_nb${i}`);
  tap('dec1', x, 4, 'decoder');
  x = erfnetUpsampler(x, c16, 'up2');
  for (let i = 1; i <= 2; i++) x = nonBottleneck1d(x, 1, 0, `dec2_nb${i}`);
  tap('dec2', x, 2, 'decoder');
  const logits = on(tf.layers.conv2dTranspose({ filters: o.numClasses, kernelSize: 2, strides: 2, padding: 'same', name: 'output_conv' }), x);
  return {
    architecture: 'backbone/erfnet',
    input,
    logits,
    taps,
    tapDefaults: conventionalTapDefaults(taps),
    inputSize: sidesMultipleOf(8),
    portableClassNames: PORTABLE_CLASS_NAMES,
  };
}
