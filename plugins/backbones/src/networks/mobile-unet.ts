import * as tf from '@tensorflow/tfjs';
import { type NetworkGraph, type SymbolicTap, conventionalTapDefaults, sidesMultipleOf } from '@graphflow/core';
import { convNormAct, type Norm } from '../blocks/conv-norm-act';
import { invertedResidual } from '../blocks/inverted-residual';
import { spatialDropout } from '../blocks/spatial-dropout';
import { upsample, type UpsamplingMode } from '../blocks/up-sample';
import { channelsOf, on, type Sym } from '../blocks/symbolic';
import { PORTABLE_CLASS_NAMES } from '../layers/portable-class-names';

export interface MobileUNetOptions {
  inChannels: number;
  numClasses: number;
  /** Scales every channel count (MobileNetV2's width multiplier α). */
  widthMultiplier: number;
  /** Number of 2× down-samplings of the encoder (2–5); 5 is the full MobileNetV2 feature extractor. */
  depth: number;
  /** Expansion factor of the decoder's inverted residual blocks. */
  decoderExpansion: number;
  norm: Norm;
  dropout: number;
  upsampling: UpsamplingMode;
}

/** MobileNetV2's (expansion t, channels c, repeats n) per output stride 2, 4, 8, 16, 32. */
const ENCODER_STAGES: { t: number; c: number; n: number }[][] = [
  [{ t: 1, c: 16, n: 1 }],
  [{ t: 6, c: 24, n: 2 }],
  [{ t: 6, c: 32, n: 3 }],
  [{ t: 6, c: 64, n: 4 }, { t: 6, c: 96, n: 3 }],
  [{ t: 6, c: 160, n: 3 }, { t: 6, c: 320, n: 1 }],
];
const STEM_CHANNELS = 32;

/** Channels × α, kept a multiple of 4 (MobileNetV2 uses 8; 4 lets tiny test models stay tiny) and ≥ 4. */
export function scaleChannels(channels: number, alpha: number): number {
  return Math.max(4, Math.round((channels * alpha) / 4) * 4);
}

/**
 * Mobile U-Net: MobileNetV2 inverted-residual encoder + U-Net decoder whose blocks are inverted residuals too.
 * Input [N,H,W,inChannels] (H, W multiples of 2^depth) → logits [N,H,W,numClasses].
 * Taps: enc{i} at stride 2^i (i = 1..depth-1), bottleneck at stride 2^depth, dec{j} at stride 2^(depth-j)
 * (j = 1..depth-1) with the channels of the encoder level it merges.
 */
export function buildMobileUNet(o: MobileUNetOptions): NetworkGraph {
  const input = tf.input({ shape: [null, null, o.inChannels], name: 'image' });
  const taps: SymbolicTap[] = [];
  const skips: Sym[] = [];
  let x: Sym = convNormAct(input, { filters: scaleChannels(STEM_CHANNELS, o.widthMultiplier), kernelSize: 3, strides: 2, norm: o.norm, activation: 'relu6', name: 'stem' });
  for (let level = 1; level <= o.depth; level++) {
    let block = 0;
    for (const stage of ENCODER_STAGES[level - 1]!) {
      for (let r = 0; r < stage.n; r++) {
        // Level 1's stride comes from the stem; later levels down-sample in their first block.
        const strides = level > 1 && block === 0 ? 2 : 1;
        x = invertedResidual(x, { filters: scaleChannels(stage.c, o.widthMultiplier), expansion: stage.t, strides, norm: o.norm, name: `enc${level}_ir${++block}` });
      }
    }
    if (level < o.depth) {
      taps.push({ info: { name: `enc${level}`, channels: channelsOf(x), stride: 2 ** level, role: 'encoder' }, tensor: x });
      skips.push(x);
    }
  }
  x = spatialDropout(x, o.dropout, 'bottleneck_dropout');
  taps.push({ info: { name: 'bottleneck', channels: channelsOf(x), stride: 2 ** o.depth, role: 'bottleneck' }, tensor: x });
  for (let j = 1; j < o.depth; j++) {
    const skip = skips[o.depth - 1 - j]!;
    const filters = channelsOf(skip);
    const up = upsample(x, o.upsampling, filters, `up${j}`);
    const merged = on(tf.layers.concatenate({ axis: -1, name: `concat${j}` }), [skip, up]);
    x = invertedResidual(merged, { filters, expansion: o.decoderExpansion, strides: 1, norm: o.norm, name: `dec${j}` });
    taps.push({ info: { name: `dec${j}`, channels: filters, stride: 2 ** (o.depth - j), role: 'decoder' }, tensor: x });
  }
  // The last skip is at stride 2: one more ×2 up-sampling restores the input resolution.
  const head = upsample(x, o.upsampling, channelsOf(x), 'up_final');
  const logits = on(tf.layers.conv2d({ filters: o.numClasses, kernelSize: 1, name: 'head' }), head);
  return {
    architecture: 'backbone/mobile-unet',
    input,
    logits,
    taps,
    tapDefaults: conventionalTapDefaults(taps),
    inputSize: sidesMultipleOf(2 ** o.depth),
    portableClassNames: PORTABLE_CLASS_NAMES,
  };
}
