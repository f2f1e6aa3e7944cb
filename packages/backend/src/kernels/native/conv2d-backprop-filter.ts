import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@graphflow/backend-native';
import type { KernelArgs } from '../composite-kernel';
import { conv2dInfo, convGeometry, unsupportedConv, type ConvAttrs } from './conv-geometry';
import { float32Inputs, heapOffset, nativeKernel, withOutput, type NativeResult } from './native-kernel';

interface BackpropFilterAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

/**
 * Filter gradient of a convolution.
 * x [N, H, W, C], dy [N, Ho, Wo, K] → dW = filterShape [kh, kw, C, K] (depthwise [kh, kw, C, m]).
 */
function run({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon, depthwise: boolean): NativeResult {
  const { x, dy } = inputs as Record<string, tf.TensorInfo | undefined>;
  const a = attrs as unknown as BackpropFilterAttrs;
  const why = unsupportedConv(a) ?? float32Inputs(x, dy);
  if (why) return { fallback: why };
  const info = conv2dInfo(x!.shape, a.filterShape, a, depthwise);
  if (info.outHeight !== dy!.shape[1] || info.outWidth !== dy!.shape[2]) return { fallback: 'dy does not match the input shape' };
  return withOutput(backend, a.filterShape.slice(), (out, heap) =>
    addon.conv2dBackpropFilter(heap(), convGeometry(info, depthwise), heapOffset(backend, x!), heapOffset(backend, dy!), heapOffset(backend, out)),
  );
}

export const conv2dBackpropFilterNative = (addon: NativeAddon): tf.KernelConfig =>
  nativeKernel(tf.Conv2DBackpropFilter, addon, (args) => run(args, addon, false));

export const depthwiseConv2dBackpropFilterNative = (addon: NativeAddon): tf.KernelConfig =>
  nativeKernel(tf.DepthwiseConv2dNativeBackpropFilter, addon, (args) => run(args, addon, true));
