import * as tf from '@tensorflow/tfjs';
import { defineCompositeKernel } from '../composite-kernel';

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * Filter gradient of a 2-D convolution, computed as ONE convolution with batch and channels swapped.
 *
 * Inputs: x [N, H, W, Cin], dy [N, Ho, Wo, Cout]; output dW [kh, kw, Cin, Cout].
 *
 * dW[i, j, c, o] = Σ_{n,y,x} xPadded[n, i + s·y, j + s·x, c] · dy[n, y, x, o], i.e. a valid convolution
 * of xPadded viewed as [Cin, Hp, Wp, N] (batch ↔ channels) with dy viewed as a filter [Ho, Wo, N, Cout]
 * dilated by the stride. XNNPACK runs that as a single GEMM over image patches through an indirection
 * buffer, so the k²·N·H·W·Cin patch matrix is never copied: measured 7–10× faster on wasm than
 * concatenated patch slices + matMul(transposeA) (wasm's transposed matMul is slow).
 */
export function conv2dBackpropFilter([x, dy]: tf.Tensor[], attrs: Conv2DBackpropFilterAttrs): tf.Tensor4D {
  if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter: only NHWC is supported (GraphFlow is NHWC throughout).');
  const info = tf.backend_util.computeConv2DInfo(
    x!.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
  const { top, left } = info.padInfo;
  // Rows/cols past the last window never reach dy; the swapped conv's output must be exactly kh×kw.
  const usedH = (info.outHeight - 1) * info.strideHeight + info.filterHeight;
  const usedW = (info.outWidth - 1) * info.strideWidth + info.filterWidth;
  const [, inH, inW] = x!.shape as [number, number, number, number];
  let xs = x as tf.Tensor4D;
  if (inH + top > usedH || inW + left > usedW) xs = tf.slice(xs, [0, 0, 0, 0], [-1, Math.min(inH, usedH - top), Math.min(inW, usedW - left), -1]);
  const xSwapped = tf.transpose(xs, [3, 1, 2, 0]);
  const dySwapped = tf.transpose(dy as tf.Tensor4D, [1, 2, 0, 3]);
  // Padding goes to the conv itself (XNNPACK pads implicitly) instead of a padded copy of x.
  const padBottom = usedH - top - xs.shape[1];
  const padRight = usedW - left - xs.shape[2];
  const padding: tf.backend_util.ExplicitPadding = [[0, 0], [top, padBottom], [left, padRight], [0, 0]];
  const dw = tf.conv2d(xSwapped, dySwapped, 1, padding, 'NHWC', [info.strideHeight, info.strideWidth]);
  return tf.transpose(dw, [1, 2, 0, 3]);
}

export const conv2dBackpropFilterWasm = defineCompositeKernel(tf.Conv2DBackpropFilter, 'wasm', ['x', 'dy'], conv2dBackpropFilter);
