import * as tf from '@tensorflow/tfjs';
import { on, type Sym } from './symbolic';

export type UpsamplingMode = 'transpose' | 'bilinear';

/**
 * ×2 up-sampling. 'transpose': learned 2×2 stride-2 transposed convolution [N,H,W,C] → [N,2H,2W,filters].
 * 'bilinear': parameter-free bilinear resize [N,H,W,C] → [N,2H,2W,C] (channels unchanged; `filters` ignored).
 */
export function upsample(x: Sym, mode: UpsamplingMode, filters: number, name: string, factor = 2): Sym {
  if (mode === 'transpose') {
    return on(tf.layers.conv2dTranspose({ filters, kernelSize: factor, strides: factor, padding: 'same', kernelInitializer: 'heNormal', name }), x);
  }
  return on(tf.layers.upSampling2d({ size: [factor, factor], interpolation: 'bilinear', name }), x);
}
