import * as tf from '@tensorflow/tfjs';
import { registerDilatedConvGradients } from './dilated-conv-gradients';

/**
 * A stride-1 'same' 2-D convolution with dilation: x [N,H,W,Cin], filter [kh,kw,Cin,Cout] → [N,H,W,Cout].
 *
 * One Conv2D kernel call with its dilation attribute, so a backend with native dilation (oneDNN, XNNPACK on wasm,
 * tfjs-node) runs it directly; the space-to-batch → conv → batch-to-space chain it replaces ran ERFNet's deepest
 * convolutions on 256 phase images of a few pixels each. tfjs has no gradient for dilated convolutions, so the
 * first call installs GraphFlow's (dilated-conv-gradients.ts; undilated convolutions keep tfjs's own), which makes
 * this differentiable on every backend without the caller activating anything.
 */
export function dilatedConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, dilation: [number, number]): tf.Tensor4D {
  registerDilatedConvGradients();
  return tf.conv2d(x, filter, 1, 'same', 'NHWC', dilation);
}
