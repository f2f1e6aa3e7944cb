import * as tf from '@tensorflow/tfjs';
import { type NetworkGraph, type SymbolicTap, conventionalTapDefaults, sidesMultipleOf } from '@graphflow/core';
import { convNormAct, type Norm } from '../blocks/conv-norm-act';
import { doubleConv } from '../blocks/double-conv';
import { transformerLayer } from '../blocks/transformer-layer';
import { upsample, type UpsamplingMode } from '../blocks/up-sample';
import { PositionEmbedding2D } from '../layers/position-embedding-2d';
import { channelsOf, on, type Sym } from '../blocks/symbolic';
import { PORTABLE_CLASS_NAMES } from '../layers/portable-class-names';

export interface TransUNetOptions {
  inChannels: number;
  numClasses: number;
  /** Channels of the stride-2 stem; conv stage i has baseWidth·2^(i-1). */
  baseWidth: number;
  /** Convolutional stages before the transformer (each halves the resolution). */
  convStages: number;
  embedDim: number;
  heads: number;
  layers: number;
  /** Patch size on the deepest conv map; tokens sit at stride 2^convStages · patchSize. */
  patchSize: number;
  mlpRatio: number;
  /** Training image side the position embedding is learned for (other sizes resize it). */
  imageSize: number;
  /** Dropout inside the transformer (embeddings, attention output, MLP). */
  dropout: number;
  norm: Norm;
  upsampling: UpsamplingMode;
}

/** Token stride of a TransUNet configuration: the total down-sampling before the transformer. */
export function transUNetTokenStride(o: Pick<TransUNetOptions, 'convStages' | 'patchSize'>): number {
  return 2 ** o.convStages * o.patchSize;
}

/**
 * TransUNet-style hybrid (Chen et al. 2021): CNN encoder → patch embedding of the deepest map (p×p conv,
 * stride p) → learned position embeddings → `layers` pre-norm transformer layers → layer norm → back on the
 * token grid → cascaded up-sampler (CUP): 3×3 conv, then per level ×2 up-sampling, concatenation with the
 * encoder skip, (3×3 conv, BN, ReLU)×2 → 1×1 head.
 * Input [N,H,W,inChannels], H and W multiples of 2^convStages·patchSize → logits [N,H,W,numClasses].
 * Taps: enc{i} [H/2^i, baseWidth·2^(i-1)] for i = 1..S; bottleneck [H/(2^S·p), embedDim] (transformer output);
 * dec{j} [H/2^(S-j), …] for j = 1..S.
 */
export function buildTransUNet(o: TransUNetOptions): NetworkGraph {
  const stride = transUNetTokenStride(o);
  const input = tf.input({ shape: [null, null, o.inChannels], name: 'image' });
  const taps: SymbolicTap[] = [];
  const skips: Sym[] = [];
  let x: Sym = convNormAct(input, { filters: o.baseWidth, kernelSize: 3, strides: 2, norm: o.norm, activation: 'relu', name: 'stem' });
  for (let i = 1; i <= o.convStages; i++) {
    if (i > 1) x = on(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${i}` }), x);
    x = doubleConv(x, o.baseWidth * 2 ** (i - 1), o.norm, `enc${i}`);
    taps.push({ info: { name: `enc${i}`, channels: channelsOf(x), stride: 2 ** i, role: 'encoder' }, tensor: x });
    skips.push(x);
  }
  x = on(tf.layers.conv2d({ filters: o.embedDim, kernelSize: o.patchSize, strides: o.patchSize, padding: 'valid', name: 'patch_embed' }), x);
  const grid = Math.max(1, Math.round(o.imageSize / stride));
  x = on(new PositionEmbedding2D({ gridHeight: grid, gridWidth: grid, name: 'position_embedding' }), x);
  if (o.dropout > 0) x = on(tf.layers.dropout({ rate: o.dropout, name: 'embed_dropout' }), x);
  for (let l = 1; l <= o.layers; l++) x = transformerLayer(x, { heads: o.heads, mlpRatio: o.mlpRatio, dropout: o.dropout, name: `transformer${l}` });
  x = on(tf.layers.layerNormalization({ axis: -1, epsilon: 1e-6, name: 'encoder_norm' }), x);
  taps.push({ info: { name: 'bottleneck', channels: o.embedDim, stride, role: 'bottleneck' }, tensor: x });
  x = convNormAct(x, { filters: o.baseWidth * 2 ** (o.convStages - 1), kernelSize: 3, norm: o.norm, activation: 'relu', name: 'decoder_in' });
  if (o.patchSize > 1) x = on(tf.layers.upSampling2d({ size: [o.patchSize, o.patchSize], interpolation: 'bilinear', name: 'unpatch' }), x);
  for (let j = 1; j <= o.convStages; j++) {
    const level = o.convStages - j; // skip enc{level} at stride 2^level; level 0 has no skip (the stem's input)
    // Channels mirror the encoder level; the full-resolution block (no skip) uses half the stem width.
    const filters = level >= 1 ? o.baseWidth * 2 ** (level - 1) : Math.max(4, Math.floor(o.baseWidth / 2));
    x = upsample(x, o.upsampling, channelsOf(x), `up${j}`);
    if (level >= 1) x = on(tf.layers.concatenate({ axis: -1, name: `concat${j}` }), [skips[level - 1]!, x]);
    x = doubleConv(x, filters, o.norm, `dec${j}`);
    taps.push({ info: { name: `dec${j}`, channels: filters, stride: 2 ** level, role: 'decoder' }, tensor: x });
  }
  const logits = on(tf.layers.conv2d({ filters: o.numClasses, kernelSize: 1, name: 'head' }), x);
  return {
    architecture: 'backbone/transunet',
    input,
    logits,
    taps,
    tapDefaults: conventionalTapDefaults(taps),
    inputSize: sidesMultipleOf(stride),
    portableClassNames: PORTABLE_CLASS_NAMES,
  };
}
