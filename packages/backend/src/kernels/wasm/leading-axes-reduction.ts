import * as tf from '@tensorflow/tfjs';
import { heapBuffer, heapFree, heapMalloc, heapOffset, simdModuleFor, heapOutput } from './simd-module';
import { replacementKernel } from './replacement-kernel';

export type LeadingReduction = 'sum' | 'mean' | 'max';

/**
 * Sum / Mean / Max of float32 x over its LEADING axes (e.g. [N,H,W,C] over [0,1,2] → [C], keepDims either
 * way: batch-norm moments and every per-channel gradient), as one pass over x viewed as [rows, cols] by the
 * SIMD module. Sums accumulate in float64, so they are at least as accurate as tfjs's cpu backend (float32).
 * tfjs-backend-wasm transposes the reduced axes to the end first: 1.6–2.3 ms for a [4,64,64,32] tensor.
 * Other axes (trailing ones are already fast), all-axes reductions, other dtypes use `fallback`.
 */
export function makeLeadingAxesReductionWasm(kernelName: string, kind: LeadingReduction, fallback: tf.KernelConfig | undefined): tf.KernelConfig {
  return replacementKernel(kernelName, fallback, (args, useFallback) => {
    const backend = args.backend as tf.KernelBackend;
    const x = args.inputs['x']!;
    // Sum and Mean name the axes `axis`, Max names them `reductionIndices`.
    const attrs = args.attrs as unknown as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
    const axis = (attrs.axis ?? attrs.reductionIndices) as number | number[];
    const keepDims = attrs.keepDims;
    const rank = x.shape.length;
    const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < rank && axes.every((ax, i) => ax === i);
    const rows = leading ? x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1) : 0;
    const cols = leading ? x.shape.slice(axes.length).reduce((p, d) => p * d, 1) : 0;
    const simd = x.dtype === 'float32' && rows > 0 && cols > 0 ? simdModuleFor(backend) : null;
    if (!simd) {
      return useFallback(args);
    }
    const outShape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    const out = heapOutput(backend, outShape);
    const xPtr = heapOffset(backend, x);
    const outPtr = heapOffset(backend, out);
    if (kind === 'max') {
      const buffer = heapBuffer(backend);
      new Float32Array(buffer, outPtr, cols).set(new Float32Array(buffer, xPtr, cols));
      simd['colmax']!(xPtr + cols * 4, outPtr, 0, rows - 1, cols);
      return out;
    }
    const acc = heapMalloc(backend, cols * 8 + 8);
    try {
      // Pointers above 2 GiB are valid (the heap may grow to 4 GiB): align in unsigned arithmetic, not with & (int32).
      const accAligned = Math.ceil(acc / 8) * 8;
      simd['colsum']!(xPtr, accAligned, 0, rows, cols);
      const buffer = heapBuffer(backend);
      const sums = new Float64Array(buffer, accAligned, cols);
      const dst = new Float32Array(buffer, outPtr, cols);
      if (kind === 'mean') for (let c = 0; c < cols; c++) dst[c] = sums[c]! / rows;
      else dst.set(sums);
    } finally {
      heapFree(backend, acc);
    }
    return out;
  });
}
