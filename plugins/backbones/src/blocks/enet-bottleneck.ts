import * as tf from '@tensorflow/tfjs';
import { activate, batchNorm, convNormAct, type Activation } from './conv-norm-act';
import { zeroPadChannels } from './channel-zero-pad';
import { spatialDropout } from './spatial-dropout';
import { channelsOf, on, type Sym } from './symbolic';

export type EnetBottleneckType =
  | { type: 'regular' }
  | { type: 'dilated'; dilation: number }
  | { type: 'asymmetric'; kernel: number }
  | { type: 'downsampling' };

export interface EnetBottleneckOptions {
  filters: number;
  kind: EnetBottleneckType;
  dropout: number;
  /** ENet uses PReLU in the encoder. */
  activation: Activation;
  name: string;
}

/** ENet reduces to a quarter of the channels inside the bottleneck. */
const PROJECTION_RATIO = 4;

/**
 * ENet bottleneck: extension branch 1×1 projection (2×2 stride 2 when down-sampling) → BN → PReLU →
 * main convolution (3×3 regular, 3×3 dilated, or asymmetric k×1 then 1×k) → BN → PReLU →
 * 1×1 expansion → BN → spatial dropout; added to the main branch (identity, or 2×2 max-pool +
 * zero channel padding when down-sampling), then PReLU.
 * [N,H,W,Cin] → [N,H,W,filters], or [N,H/2,W/2,filters] for 'downsampling'.
 */
export function enetBottleneck(x: Sym, o: EnetBottleneckOptions): Sym {
  const inC = channelsOf(x);
  const down = o.kind.type === 'downsampling';
  const inner = Math.max(1, Math.floor(inC / PROJECTION_RATIO));
  let main = x;
  if (down) {
    main = on(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${o.name}_main_pool` }), x);
    main = zeroPadChannels(main, o.filters, `${o.name}_main`);
  } else if (inC !== o.filters) {
    throw new Error(`ENet ${o.kind.type} bottleneck keeps channels (${inC} → ${o.filters})`);
  }
  let ext = convNormAct(x, { filters: inner, kernelSize: down ? 2 : 1, strides: down ? 2 : 1, norm: 'batch', activation: o.activation, name: `${o.name}_reduce` });
  switch (o.kind.type) {
    case 'asymmetric':
      ext = on(tf.layers.conv2d({ filters: inner, kernelSize: [o.kind.kernel, 1], padding: 'same', useBias: false, kernelInitializer: 'heNormal', name: `${o.name}_asym_a` }), ext);
      ext = convNormAct(ext, { filters: inner, kernelSize: [1, o.kind.kernel], norm: 'batch', activation: o.activation, name: `${o.name}_asym_b` });
      break;
    case 'dilated':
      ext = convNormAct(ext, { filters: inner, kernelSize: 3, dilation: o.kind.dilation, norm: 'batch', activation: o.activation, name: `${o.name}_main` });
      break;
    default:
      ext = convNormAct(ext, { filters: inner, kernelSize: 3, norm: 'batch', activation: o.activation, name: `${o.name}_main` });
  }
  ext = convNormAct(ext, { filters: o.filters, kernelSize: 1, norm: 'batch', activation: 'linear', name: `${o.name}_expand` });
  ext = spatialDropout(ext, o.dropout, `${o.name}_dropout`);
  const sum = on(tf.layers.add({ name: `${o.name}_add` }), [main, ext]);
  return activate(sum, o.activation, `${o.name}_out`);
}

/**
 * ENet up-sampling bottleneck. The paper's main branch un-pools with the max-pooling indices of the matching
 * encoder block; tfjs has no max-unpooling, so the substitute is a 1×1 conv + BN followed by a parameter-free
 * ×2 bilinear resize. Extension branch: 1×1 reduce → 3×3 stride-2 transposed conv → 1×1 expand (BN each).
 * [N,H,W,Cin] → [N,2H,2W,filters].
 */
export function enetUpsamplingBottleneck(x: Sym, filters: number, dropout: number, activation: Activation, name: string): Sym {
  const inner = Math.max(1, Math.floor(channelsOf(x) / PROJECTION_RATIO));
  let main = convNormAct(x, { filters, kernelSize: 1, norm: 'batch', activation: 'linear', name: `${name}_main` });
  main = on(tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: `${name}_main_up` }), main);
  let ext = convNormAct(x, { filters: inner, kernelSize: 1, norm: 'batch', activation, name: `${name}_reduce` });
  ext = on(tf.layers.conv2dTranspose({ filters: inner, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name: `${name}_up_conv` }), ext);
  ext = activate(batchNorm(ext, `${name}_up_bn`), activation, `${name}_up_act`);
  ext = convNormAct(ext, { filters, kernelSize: 1, norm: 'batch', activation: 'linear', name: `${name}_expand` });
  ext = spatialDropout(ext, dropout, `${name}_dropout`);
  const sum = on(tf.layers.add({ name: `${name}_add` }), [main, ext]);
  return activate(sum, activation, `${name}_out`);
}
