import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@graphflow/backend-native';
import type { KernelArgs } from '../composite-kernel';
import { conv2dInfo, convGeometry, unsupportedConv, type ConvAttrs } from './conv-geometry';
import { float32Inputs, heapOffset, nativeKernel, withOutput, type NativeResult } from './native-kernel';

interface BackpropInputAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

/**
 * Input gradient of a convolution (also the forward of a transposed convolution).
 * dy [N, Ho, Wo, K], filter [kh, kw, C, K] (depthwise [kh, kw, C, m]) → dx = inputShape [N, H, W, C].
 */
function run({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon, depthwise: boolean): NativeResult {
  const { dy, filter } = inputs as Record<string, tf.TensorInfo | undefined>;
  const a = attrs as unknown as BackpropInputAttrs;
  const why = unsupportedConv(a) ?? float32Inputs(dy, filter);
  if (why) return { fallback: why };
  const info = conv2dInfo(a.inputShape, filter!.shape, a, depthwise);
  if (info.outHeight !== dy!.shape[1] || info.outWidth !== dy!.shape[2]) return { fallback: 'dy does not match the input shape' };
  return withOutput(backend, a.inputShape.slice(), (out, heap) =>
    addon.conv2dBackpropInput(heap(), convGeometry(info, depthwise), heapOffset(backend, dy!), heapOffset(backend, filter!), heapOffset(backend, out)),
  );
}

export const conv2dBackpropInputNative = (addon: NativeAddon): tf.KernelConfig =>
  nativeKernel(tf.Conv2DBackpropInput, addon, (args) => run(args, addon, false));

export const depthwiseConv2dBackpropInputNative = (addon: NativeAddon): tf.KernelConfig =>
  nativeKernel(tf.DepthwiseConv2dNativeBackpropInput, addon, (args) => run(args, addon, true));
