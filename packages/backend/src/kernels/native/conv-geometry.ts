import * as tf from '@tensorflow/tfjs';

/**
 * The 18 geometry values the addon's convolutions read (native/ops/conv_geometry.h), from tfjs's own
 * computeConv2DInfo so padding and output sizes are exactly tfjs's: [N, H, W, C, K, kh, kw, sh, sw, dh, dw,
 * padTop, padLeft, padBottom, padRight, Ho, Wo, groups].
 */
export function convGeometry(info: tf.backend_util.Conv2DInfo, depthwise: boolean): Int32Array {
  const p = info.padInfo;
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outChannels, info.filterHeight, info.filterWidth,
    info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, p.top, p.left, p.bottom, p.right,
    info.outHeight, info.outWidth, depthwise ? info.inChannels : 1,
  ]);
}

export interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Why a convolution call cannot run natively, or undefined. */
export function unsupportedConv(attrs: ConvAttrs): string | undefined {
  if (attrs.dataFormat === 'NCHW') return 'NCHW data format';
  return undefined;
}

/** tfjs's Conv2DInfo for a convolution's forward shapes. */
export function conv2dInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs,
  depthwise: boolean,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}
