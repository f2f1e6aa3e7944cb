import * as tf from '@tensorflow/tfjs';
import { activate, batchNorm } from './conv-norm-act';
import { spatialDropout } from './spatial-dropout';
import { channelsOf, on, type Sym } from './symbolic';
import { DilatedConv2D } from '../layers/dilated-conv2d';

/**
 * ERFNet down-sampler block (Romera et al. 2018, after ENet's initial block): 3×3 stride-2 conv with
 * (channels − Cin) filters ∥ 2×2 max-pool, concatenated, batch norm, ReLU.
 * [N,H,W,Cin] → [N,H/2,W/2,channels].
 */
export function erfnetDownsampler(x: Sym, channels: number, name: string): Sym {
  const inC = channelsOf(x);
  if (channels <= inC) throw new Error(`ERFNet down-sampler needs more than ${inC} output channels, got ${channels}`);
  const conv = on(tf.layers.conv2d({ filters: channels - inC, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: 'heNormal', name: `${name}_conv` }), x);
  const pool = on(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` }), x);
  const merged = on(tf.layers.concatenate({ axis: -1, name: `${name}_concat` }), [conv, pool]);
  return activate(batchNorm(merged, `${name}_bn`), 'relu', `${name}_act`);
}

/**
 * ERFNet up-sampler block: 3×3 stride-2 transposed conv → batch norm → ReLU.
 * [N,H,W,Cin] → [N,2H,2W,channels].
 */
export function erfnetUpsampler(x: Sym, channels: number, name: string): Sym {
  const up = on(tf.layers.conv2dTranspose({ filters: channels, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: 'heNormal', name: `${name}_conv` }), x);
  return activate(batchNorm(up, `${name}_bn`), 'relu', `${name}_act`);
}

function factorizedConv(x: Sym, kernel: [number, number], dilation: number, name: string): Sym {
  const channels = channelsOf(x);
  // Dilation only along the kernel's long axis, as in the reference implementation.
  const rate: [number, number] = kernel[0] > 1 ? [dilation, 1] : [1, dilation];
  if (dilation > 1) return on(new DilatedConv2D({ filters: channels, kernelSize: kernel, dilationRate: rate, useBias: true, name }), x);
  return on(tf.layers.conv2d({ filters: channels, kernelSize: kernel, padding: 'same', kernelInitializer: 'heNormal', name }), x);
}

/**
 * ERFNet non-bottleneck-1D residual block: 3×1 → ReLU → 1×3 → BN → ReLU → 3×1 (dilated) → ReLU →
 * 1×3 (dilated) → BN → spatial dropout, added to the input, ReLU. Shape preserving [N,H,W,C] → [N,H,W,C].
 */
export function nonBottleneck1d(x: Sym, dilation: number, dropout: number, name: string): Sym {
  let y = factorizedConv(x, [3, 1], 1, `${name}_conv3x1_1`);
  y = activate(y, 'relu', `${name}_act1`);
  y = factorizedConv(y, [1, 3], 1, `${name}_conv1x3_1`);
  y = activate(batchNorm(y, `${name}_bn1`), 'relu', `${name}_act2`);
  y = factorizedConv(y, [3, 1], dilation, `${name}_conv3x1_2`);
  y = activate(y, 'relu', `${name}_act3`);
  y = factorizedConv(y, [1, 3], dilation, `${name}_conv1x3_2`);
  y = batchNorm(y, `${name}_bn2`);
  y = spatialDropout(y, dropout, `${name}_dropout`);
  const sum = on(tf.layers.add({ name: `${name}_add` }), [x, y]);
  return activate(sum, 'relu', `${name}_out`);
}
