import * as tf from '@tensorflow/tfjs';

/** Attributes tfjs passes to both depthwise-convolution gradient kernels. */
export interface DepthwiseBackpropAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

/** Forward geometry (padding, output size) of the depthwise convolution whose gradient is taken. */
export function depthwiseGeometry(
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: DepthwiseBackpropAttrs,
): tf.backend_util.Conv2DInfo {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true, 'channelsLast');
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    // tfjs's own depthwise gradient refuses dilation > 1 before reaching a kernel; keep the same contract.
    throw new Error('depthwise convolution gradients support dilation 1 only');
  }
  return info;
}
