import * as tf from '@tensorflow/tfjs';
import { batchNorm, convNormAct, type Norm } from './conv-norm-act';
import { channelsOf, on, type Sym } from './symbolic';

export interface InvertedResidualOptions {
  /** Output channels of the linear bottleneck. */
  filters: number;
  /** Expansion factor t: the hidden width is t × input channels (t = 1 skips the expansion conv). */
  expansion: number;
  strides: 1 | 2;
  norm: Norm;
  name: string;
}

/**
 * MobileNetV2 inverted residual (Sandler et al. 2018): 1×1 expansion → ReLU6 → 3×3 depthwise (stride s)
 * → ReLU6 → linear 1×1 projection (no activation: keeps information in the low-dimensional bottleneck),
 * plus the input when stride is 1 and channels match.
 * [N,H,W,Cin] → [N,H/s,W/s,filters].
 */
export function invertedResidual(x: Sym, o: InvertedResidualOptions): Sym {
  const inC = channelsOf(x);
  let y = x;
  if (o.expansion !== 1) {
    y = convNormAct(y, { filters: inC * o.expansion, kernelSize: 1, norm: o.norm, activation: 'relu6', name: `${o.name}_expand` });
  }
  y = on(
    tf.layers.depthwiseConv2d({ kernelSize: 3, strides: o.strides, padding: 'same', useBias: o.norm === 'none', depthwiseInitializer: 'heNormal', name: `${o.name}_dw_conv` }),
    y,
  );
  if (o.norm === 'batch') y = batchNorm(y, `${o.name}_dw_bn`);
  y = on(tf.layers.reLU({ maxValue: 6, name: `${o.name}_dw_act` }), y);
  y = convNormAct(y, { filters: o.filters, kernelSize: 1, norm: o.norm, activation: 'linear', name: `${o.name}_project` });
  if (o.strides === 1 && inC === o.filters) y = on(tf.layers.add({ name: `${o.name}_add` }), [x, y]);
  return y;
}
