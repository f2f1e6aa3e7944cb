import * as tf from '@tensorflow/tfjs';
import { type NetworkGraph, type SymbolicTap, conventionalTapDefaults, sidesMultipleOf } from '@graphflow/core';
import type { Norm } from '../blocks/conv-norm-act';
import { doubleConv } from '../blocks/double-conv';
import { spatialDropout } from '../blocks/spatial-dropout';
import { upsample, type UpsamplingMode } from '../blocks/up-sample';
import { channelsOf, on, type Sym } from '../blocks/symbolic';
import { PORTABLE_CLASS_NAMES } from '../layers/portable-class-names';

export interface UNetOptions {
  inChannels: number;
  numClasses: number;
  /** Channels of the first level; level i has baseWidth·2^(i-1), the bottleneck baseWidth·2^depth. */
  baseWidth: number;
  /** Number of 2× down-samplings. */
  depth: number;
  norm: Norm;
  /** Spatial dropout rate after the bottleneck. */
  dropout: number;
  upsampling: UpsamplingMode;
}

/**
 * U-Net (Ronneberger et al. 2015) with batch norm.
 * Input [N,H,W,inChannels], H and W multiples of 2^depth → logits [N,H,W,numClasses].
 * Taps: enc{i} [N,H/2^(i-1),W/2^(i-1),baseWidth·2^(i-1)] for i=1..depth;
 * bottleneck [N,H/2^depth,W/2^depth,baseWidth·2^depth]; dec{j} mirrors enc{depth-j+1}.
 */
export function buildUNet(o: UNetOptions): NetworkGraph {
  const input = tf.input({ shape: [null, null, o.inChannels], name: 'image' });
  const taps: SymbolicTap[] = [];
  const skips: Sym[] = [];
  let x: Sym = input;
  for (let i = 1; i <= o.depth; i++) {
    x = doubleConv(x, o.baseWidth * 2 ** (i - 1), o.norm, `enc${i}`);
    taps.push({ info: { name: `enc${i}`, channels: channelsOf(x), stride: 2 ** (i - 1), role: 'encoder' }, tensor: x });
    skips.push(x);
    x = on(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${i}` }), x);
  }
  x = doubleConv(x, o.baseWidth * 2 ** o.depth, o.norm, 'bottleneck');
  x = spatialDropout(x, o.dropout, 'bottleneck_dropout');
  taps.push({ info: { name: 'bottleneck', channels: channelsOf(x), stride: 2 ** o.depth, role: 'bottleneck' }, tensor: x });
  for (let j = 1; j <= o.depth; j++) {
    const level = o.depth - j + 1;
    const filters = o.baseWidth * 2 ** (level - 1);
    const up = upsample(x, o.upsampling, filters, `up${j}`);
    const merged = on(tf.layers.concatenate({ axis: -1, name: `concat${j}` }), [skips[level - 1]!, up]);
    x = doubleConv(merged, filters, o.norm, `dec${j}`);
    taps.push({ info: { name: `dec${j}`, channels: filters, stride: 2 ** (level - 1), role: 'decoder' }, tensor: x });
  }
  const logits = on(tf.layers.conv2d({ filters: o.numClasses, kernelSize: 1, name: 'head' }), x);
  return {
    architecture: 'backbone/unet',
    input,
    logits,
    taps,
    tapDefaults: conventionalTapDefaults(taps),
    inputSize: sidesMultipleOf(2 ** o.depth),
    portableClassNames: PORTABLE_CLASS_NAMES,
  };
}
