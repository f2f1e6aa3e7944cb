import * as tf from '@tensorflow/tfjs';
import { on, type Sym } from './symbolic';
import { DilatedConv2D } from '../layers/dilated-conv2d';
import { FusedBatchNormalization } from '../layers/fused-batch-normalization';

export type Norm = 'batch' | 'none';
export type Activation = 'relu' | 'relu6' | 'prelu' | 'gelu' | 'linear';

/**
 * Momentum 0.9 (PyTorch's 0.1) rather than Keras' 0.99: runs here are short, and the slower average
 * would leave inference-mode statistics far from the data after a few hundred steps.
 */
export const BATCH_NORM_MOMENTUM = 0.9;
export const BATCH_NORM_EPSILON = 1e-5;

export function batchNorm(x: Sym, name: string): Sym {
  return on(new FusedBatchNormalization({ axis: -1, momentum: BATCH_NORM_MOMENTUM, epsilon: BATCH_NORM_EPSILON, name }), x);
}

/** Activation layer; PReLU learns one slope per channel (shared over H and W) as in ENet. */
export function activate(x: Sym, activation: Activation, name: string): Sym {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return on(tf.layers.reLU({ name }), x);
    case 'relu6':
      return on(tf.layers.reLU({ maxValue: 6, name }), x);
    case 'prelu':
      return on(tf.layers.prelu({ sharedAxes: [1, 2], name }), x);
    case 'gelu':
      return on(tf.layers.activation({ activation: 'gelu', name }), x);
  }
}

export interface ConvNormActOptions {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number;
  dilation?: number;
  norm: Norm;
  activation: Activation;
  /** Layer names become `${name}_conv`, `${name}_bn`, `${name}_act`. */
  name: string;
  /** Bias defaults to "only without norm" since batch norm's beta makes it redundant. */
  useBias?: boolean;
}

/**
 * Convolution → optional batch norm → activation, 'same' padding.
 * Input [N,H,W,Cin] → output [N,H/s,W/s,filters].
 */
export function convNormAct(x: Sym, o: ConvNormActOptions): Sym {
  const useBias = o.useBias ?? o.norm === 'none';
  const kernelSize: [number, number] = typeof o.kernelSize === 'number' ? [o.kernelSize, o.kernelSize] : o.kernelSize;
  const dilated = (o.dilation ?? 1) > 1;
  if (dilated && (o.strides ?? 1) !== 1) throw new Error(`${o.name}: a dilated convolution must have stride 1`);
  let y = dilated
    ? on(new DilatedConv2D({ filters: o.filters, kernelSize, dilationRate: [o.dilation!, o.dilation!], useBias, name: `${o.name}_conv` }), x)
    : on(tf.layers.conv2d({
      filters: o.filters,
      kernelSize: o.kernelSize,
      strides: o.strides ?? 1,
      padding: 'same',
      useBias,
      kernelInitializer: 'heNormal',
      name: `${o.name}_conv`,
    }),
    x,
  );
  if (o.norm === 'batch') y = batchNorm(y, `${o.name}_bn`);
  return activate(y, o.activation, `${o.name}_act`);
}
