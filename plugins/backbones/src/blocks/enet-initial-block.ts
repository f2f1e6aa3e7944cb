import * as tf from '@tensorflow/tfjs';
import { activate, batchNorm } from './conv-norm-act';
import { channelsOf, on, type Sym } from './symbolic';

/**
 * ENet initial block (Paszke et al. 2016): a 3×3 stride-2 convolution with (channels − Cin) filters
 * in parallel with 2×2 max-pooling of the input, concatenated, then batch norm and PReLU.
 * [N,H,W,Cin] → [N,H/2,W/2,channels] (ENet uses channels = 16 with 13 conv filters for RGB).
 */
export function enetInitialBlock(x: Sym, channels: number, name: string): Sym {
  const inC = channelsOf(x);
  if (channels <= inC) throw new Error(`ENet initial block needs more than ${inC} output channels, got ${channels}`);
  const conv = on(tf.layers.conv2d({ filters: channels - inC, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name: `${name}_conv` }), x);
  const pool = on(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` }), x);
  const merged = on(tf.layers.concatenate({ axis: -1, name: `${name}_concat` }), [conv, pool]);
  return activate(batchNorm(merged, `${name}_bn`), 'prelu', `${name}_act`);
}
