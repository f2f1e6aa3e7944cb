import * as tf from '@tensorflow/tfjs';
import { heapOffset, simdModuleFor, type BinaryOp, heapOutput } from './simd-module';
import { replacementKernel } from './replacement-kernel';

/** How one operand broadcasts against the other when viewed as a [rows, cols] matrix. */
export interface BroadcastView {
  /** Which input has the output's shape. */
  full: 'a' | 'b';
  /** 'vec': the small operand is a [cols] vector repeated over rows (e.g. [N,H,W,C] ⊙ [C]);
   *  'row': one value per row repeated over cols (e.g. [N,H,W,C] ⊙ [N,H,W,1]). */
  layout: 'vec' | 'row';
  rows: number;
  cols: number;
}

const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/**
 * The [rows, cols] view of a broadcast between shapes a and b, or null when it is not one of the two
 * single-block patterns (then tfjs's own kernel runs): one operand has the output shape and the other,
 * padded with leading 1s, equals it on a trailing block and is 1 elsewhere ('vec'), or equals it on a
 * leading block and is 1 elsewhere ('row'). Same shapes and scalars are left to tfjs too (XNNPACK is fast
 * there).
 */
export function broadcastView(a: readonly number[], b: readonly number[]): BroadcastView | null {
  const sa = size(a);
  const sb = size(b);
  if (sa === sb || sa <= 1 || sb <= 1) return null;
  const full = sa > sb ? 'a' : 'b';
  const big = full === 'a' ? a : b;
  const small = full === 'a' ? b : a;
  if (small.length > big.length) return null;
  const s = [...new Array<number>(big.length - small.length).fill(1), ...small];
  const n = big.length;
  let j = n;
  while (j > 0 && s[j - 1] === big[j - 1]) j--;
  if (s.slice(0, j).every((d) => d === 1)) return { full, layout: 'vec', rows: size(big.slice(0, j)), cols: size(big.slice(j)) };
  j = 0;
  while (j < n && s[j] === big[j]) j++;
  if (s.slice(j).every((d) => d === 1)) return { full, layout: 'row', rows: size(big.slice(0, j)), cols: size(big.slice(j)) };
  return null;
}

/**
 * A broadcasting float32 binary op on wasm for the per-channel ([..., C] with [C] / [1,1,1,C], either
 * order) and per-row ([..., C] with [..., 1]) patterns, run by the SIMD module on the heap: one pass, no
 * temporaries. tfjs-backend-wasm's broadcasting path took 2–3 ms per [4,64,64,32] ⊙ [32] on a loaded
 * 2-core machine; batch normalization and PReLU make hundreds of these per training step.
 * Everything else (same shapes, scalars, int32/bool, other broadcasts, no SIMD) goes to `fallback`.
 */
export function makeChannelBroadcastBinaryWasm(kernelName: string, op: BinaryOp, fallback: tf.KernelConfig | undefined): tf.KernelConfig {
  return replacementKernel(kernelName, fallback, (args, useFallback) => {
    const backend = args.backend as tf.KernelBackend;
    const a = args.inputs['a']!;
    const b = args.inputs['b']!;
    const view = a.dtype === 'float32' && b.dtype === 'float32' ? broadcastView(a.shape, b.shape) : null;
    const simd = view ? simdModuleFor(backend) : null;
    if (!view || !simd) {
      return useFallback(args);
    }
    const [full, small] = view.full === 'a' ? [a, b] : [b, a];
    const out = heapOutput(backend, full.shape.slice());
    const fn = simd[`bin_${op}_${view.layout}${view.full === 'b' ? '_l' : ''}`]!;
    fn(heapOffset(backend, full), heapOffset(backend, small), heapOffset(backend, out), view.rows, view.cols);
    return out;
  });
}
