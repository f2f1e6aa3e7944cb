import * as tf from '@tensorflow/tfjs';
import { type NetworkGraph, type SymbolicTap, conventionalTapDefaults, sidesMultipleOf } from '@graphflow/core';
import { enetInitialBlock } from '../blocks/enet-initial-block';
import { enetBottleneck, enetUpsamplingBottleneck, type EnetBottleneckType } from '../blocks/enet-bottleneck';
import { channelsOf, on, type Sym } from '../blocks/symbolic';
import { PORTABLE_CLASS_NAMES } from '../layers/portable-class-names';

export interface ENetOptions {
  inChannels: number;
  numClasses: number;
  /** Scales ENet's 16/64/128 channel widths. */
  widthMultiplier: number;
  /** Spatial dropout of stage 1 (paper: 0.01) and of later stages (paper: 0.1). */
  dropoutStage1: number;
  dropout: number;
  /** Include stage 3 (a repeat of stage 2 without down-sampling), as in the paper. */
  stage3: boolean;
}

/** Stage 2/3 sequence from ENet's Table 1. */
const STAGE_2_3: EnetBottleneckType[] = [
  { type: 'regular' },
  { type: 'dilated', dilation: 2 },
  { type: 'asymmetric', kernel: 5 },
  { type: 'dilated', dilation: 4 },
  { type: 'regular' },
  { type: 'dilated', dilation: 8 },
  { type: 'asymmetric', kernel: 5 },
  { type: 'dilated', dilation: 16 },
];

function width(channels: number, multiplier: number): number {
  return Math.max(4, Math.round(channels * multiplier));
}

/**
 * ENet (Paszke et al. 2016), Table 1: initial block (stride 2) → stage 1 (down-sample + 4 regular, stride 4)
 * → stage 2 (down-sample + 8 regular/dilated/asymmetric, stride 8) → stage 3 (the same 8 without down-sampling)
 * → decoder stages 4 and 5 (up-sampling bottlenecks + regular) → 2×2 transposed "full conv" to the classes.
 * Input [N,H,W,inChannels] (H, W multiples of 8) → logits [N,H,W,numClasses].
 * Taps: enc1 [H/2,16α], enc2 [H/4,64α], enc3 [H/8,128α] (only with stage 3), bottleneck [H/8,128α], dec1 [H/4,64α], dec2 [H/2,16α].
 */
export function buildENet(o: ENetOptions): NetworkGraph {
  const c16 = Math.max(width(16, o.widthMultiplier), o.inChannels + 1);
  const c64 = width(64, o.widthMultiplier);
  const c128 = width(128, o.widthMultiplier);
  const input = tf.input({ shape: [null, null, o.inChannels], name: 'image' });
  const taps: SymbolicTap[] = [];
  const tap = (name: string, tensor: Sym, stride: number, role: string): void => {
    taps.push({ info: { name, channels: channelsOf(tensor), stride, role }, tensor });
  };
  let x = enetInitialBlock(input, c16, 'initial');
  tap('enc1', x, 2, 'encoder');
  x = enetBottleneck(x, { filters: c64, kind: { type: 'downsampling' }, dropout: o.dropoutStage1, activation: 'prelu', name: 'b1_0' });
  for (let i = 1; i <= 4; i++) x = enetBottleneck(x, { filters: c64, kind: { type: 'regular' }, dropout: o.dropoutStage1, activation: 'prelu', name: `b1_${i}` });
  tap('enc2', x, 4, 'encoder');
  x = enetBottleneck(x, { filters: c128, kind: { type: 'downsampling' }, dropout: o.dropout, activation: 'prelu', name: 'b2_0' });
  STAGE_2_3.forEach((kind, i) => {
    x = enetBottleneck(x, { filters: c128, kind, dropout: o.dropout, activation: 'prelu', name: `b2_${i + 1}` });
  });
  if (o.stage3) {
    // Without stage 3, stage 2's output is the bottleneck itself (one tensor, one tap name).
    tap('enc3', x, 8, 'encoder');
    STAGE_2_3.forEach((kind, i) => {
      x = enetBottleneck(x, { filters: c128, kind, dropout: o.dropout, activation: 'prelu', name: `b3_${i + 1}` });
    });
  }
  tap('bottleneck', x, 8, 'bottleneck');
  // The decoder uses ReLU, as in the authors' released model.
  x = enetUpsamplingBottleneck(x, c64, o.dropout, 'relu', 'b4_0');
  for (let i = 1; i <= 2; i++) x = enetBottleneck(x, { filters: c64, kind: { type: 'regular' }, dropout: o.dropout, activation: 'relu', name: `b4_${i}` });
  tap('dec1', x, 4, 'decoder');
  x = enetUpsamplingBottleneck(x, c16, o.dropout, 'relu', 'b5_0');
  x = enetBottleneck(x, { filters: c16, kind: { type: 'regular' }, dropout: o.dropout, activation: 'relu', name: 'b5_1' });
  tap('dec2', x, 2, 'decoder');
  const logits = on(tf.layers.conv2dTranspose({ filters: o.numClasses, kernelSize: 2, strides: 2, padding: 'same', name: 'fullconv' }), x);
  return {
    architecture: 'backbone/enet',
    input,
    logits,
    taps,
    tapDefaults: conventionalTapDefaults(taps),
    inputSize: sidesMultipleOf(8),
    portableClassNames: PORTABLE_CLASS_NAMES,
  };
}
