import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@graphflow/backend-native';
import type { KernelArgs } from '../composite-kernel';
import { float32Inputs, heapOffset, nativeKernel, withOutput, type NativeResult } from './native-kernel';

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** MaxPoolGrad: dy [N, Ho, Wo, C], input x [N, H, W, C] → dx [N, H, W, C] (tfjs's first-maximum rule for ties). */
function run({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon): NativeResult {
  const { dy, input } = inputs as Record<string, tf.TensorInfo | undefined>;
  const why = float32Inputs(dy, input);
  if (why) return { fallback: why };
  const a = attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input!.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const geometry = Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
  ]);
  return withOutput(backend, input!.shape.slice(), (out, heap) =>
    addon.maxPoolGrad(heap(), geometry, heapOffset(backend, dy!), heapOffset(backend, input!), heapOffset(backend, out)),
  );
}

export const maxPoolGradNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(tf.MaxPoolGrad, addon, (args) => run(args, addon));
