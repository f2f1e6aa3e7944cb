import * as tf from '@tensorflow/tfjs';
import { defineCompositeKernel } from '../composite-kernel';
import { depthwiseGeometry, type DepthwiseBackpropAttrs } from './depthwise-conv-geometry';

/**
 * Input gradient of a depthwise convolution, as a stride-1 depthwise convolution of the zero-upsampled,
 * fully padded dy with the spatially flipped filter (the usual "transposed convolution" identity),
 * so the work runs in XNNPACK's depthwise kernel instead of a JS loop.
 *
 * Inputs: dy [N, Ho, Wo, C·M], filter [kh, kw, C, M]; output dx [N, H, W, C] with H, W from `inputShape`.
 */
export function depthwiseConv2dBackpropInput([dy, filter]: tf.Tensor[], attrs: DepthwiseBackpropAttrs): tf.Tensor4D {
  const inputShape = attrs.inputShape!;
  const [kh, kw, channels, multiplier] = filter!.shape as [number, number, number, number];
  const info = depthwiseGeometry(inputShape, [kh, kw, channels, multiplier], attrs);
  const [n, outH, outW] = dy!.shape as [number, number, number, number];
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  let up = dy as tf.Tensor4D;
  if (sh > 1 || sw > 1) {
    // Insert stride−1 zeros between dy samples: pad a 6-D view, then fold it back and drop the tail.
    const cm = channels * multiplier;
    const spread = tf.pad(up.reshape([n, outH, 1, outW, 1, cm]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
    up = tf.slice(spread.reshape([n, outH * sh, outW * sw, cm]) as tf.Tensor4D, [0, 0, 0, 0], [-1, (outH - 1) * sh + 1, (outW - 1) * sw + 1, -1]);
  }
  // Full correlation covers padded-input rows 0 … (Ho−1)·s + kh − 1; dx is the window starting at `top`.
  const full = tf.depthwiseConv2d(
    tf.pad(up, [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]]),
    tf.reverse(filter as tf.Tensor4D, [0, 1]).reshape([kh, kw, channels * multiplier, 1]) as tf.Tensor4D,
    1,
    'valid',
  );
  const perChannel = multiplier === 1 ? full : tf.sum(full.reshape([n, full.shape[1], full.shape[2], channels, multiplier]), 4) as tf.Tensor4D;
  const { top, left } = info.padInfo;
  const [, inH, inW] = inputShape;
  const takeH = Math.min(inH, perChannel.shape[1] - top);
  const takeW = Math.min(inW, perChannel.shape[2] - left);
  let dx = tf.slice(perChannel, [0, top, left, 0], [-1, takeH, takeW, -1]);
  // Input rows/cols no window reached (valid padding with a remainder) get zero gradient.
  if (takeH < inH || takeW < inW) dx = tf.pad(dx, [[0, 0], [0, inH - takeH], [0, inW - takeW], [0, 0]]);
  return dx;
}

export const depthwiseConv2dBackpropInputWasm = defineCompositeKernel(
  tf.DepthwiseConv2dNativeBackpropInput, 'wasm', ['dy', 'filter'], depthwiseConv2dBackpropInput,
);
