import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@graphflow/backend-native';
import { runConvForward } from './conv2d';
import { nativeKernel } from './native-kernel';

/** FusedConv2D: x [N, H, W, C] ⊛ filter [kh, kw, C, K] + bias [K], then relu | relu6 | leakyrelu | sigmoid | elu. */
export const fusedConv2dNative = (addon: NativeAddon): tf.KernelConfig =>
  nativeKernel(tf.FusedConv2D, addon, (args) => runConvForward(args, addon, false, true));

/** FusedDepthwiseConv2D: the depthwise twin ([kh, kw, C, m] filter, K = C·m). */
export const fusedDepthwiseConv2dNative = (addon: NativeAddon): tf.KernelConfig =>
  nativeKernel(tf.FusedDepthwiseConv2D, addon, (args) => runConvForward(args, addon, true, true));
