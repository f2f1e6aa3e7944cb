import * as tf from '@tensorflow/tfjs';
import { NATIVE_ACTIVATIONS, type NativeAddon } from '@graphflow/backend-native';
import type { KernelArgs } from '../composite-kernel';
import { conv2dInfo, convGeometry, unsupportedConv, type ConvAttrs } from './conv-geometry';
import { float32Inputs, heapOffset, nativeKernel, withOutput, type NativeResult } from './native-kernel';

interface FusedAttrs extends ConvAttrs {
  activation?: string;
  leakyreluAlpha?: number;
}

/**
 * Convolution forward, plain or depthwise, with an optional bias and activation fused as oneDNN post-ops.
 * x [N, H, W, C], filter [kh, kw, C, K] (depthwise: [kh, kw, C, m], K = C·m), bias [K] → y [N, Ho, Wo, K].
 */
export function runConvForward({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon, depthwise: boolean, fused: boolean): NativeResult {
  const { x, filter, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
  const a = attrs as unknown as FusedAttrs;
  const why = unsupportedConv(a) ?? float32Inputs(x, filter, bias);
  if (why) return { fallback: why };
  if (preluActivationWeights) return { fallback: 'prelu activation' };
  const activation = (fused ? a.activation : undefined) ?? 'linear';
  const code = (NATIVE_ACTIVATIONS as Record<string, number>)[activation];
  if (code === undefined) return { fallback: `activation ${activation}` };
  const info = conv2dInfo(x!.shape, filter!.shape, a, depthwise);
  if (bias && tf.util.sizeFromShape(bias.shape) !== info.outChannels) return { fallback: 'bias is not one value per channel' };
  return withOutput(backend, [info.batchSize, info.outHeight, info.outWidth, info.outChannels], (out, heap) =>
    addon.conv2d(
      heap(), convGeometry(info, depthwise), heapOffset(backend, x!), heapOffset(backend, filter!),
      bias ? heapOffset(backend, bias) : -1, heapOffset(backend, out), code, a.leakyreluAlpha ?? 0.2,
    ),
  );
}

export const conv2dNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(tf.Conv2D, addon, (args) => runConvForward(args, addon, false, false));

export const depthwiseConv2dNative = (addon: NativeAddon): tf.KernelConfig =>
  nativeKernel(tf.DepthwiseConv2dNative, addon, (args) => runConvForward(args, addon, true, false));
