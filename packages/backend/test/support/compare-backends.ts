import * as tf from '@tensorflow/tfjs';

/** Runs `fn` on the named tfjs backend and returns its outputs as plain arrays (tensors are disposed). */
export async function runOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`cannot set backend ${backend}`);
  const out = tf.tidy(fn);
  const list = Array.isArray(out) ? out : [out];
  const arrays = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(list);
  return arrays;
}

/** Largest |a − b| and the tolerance it is judged against: atol + rtol · max|ref|. */
export function closeness(actual: Float32Array, expected: Float32Array, atol: number, rtol: number): { maxDiff: number; tol: number; ok: boolean } {
  if (actual.length !== expected.length) return { maxDiff: Infinity, tol: 0, ok: false };
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  if (Number.isNaN(maxDiff)) return { maxDiff, tol: 0, ok: false };
  const tol = atol + rtol * maxRef;
  return { maxDiff, tol, ok: maxDiff <= tol };
}

/** Deterministic random tensor data, so cpu and wasm see identical inputs. */
export function randomData(shape: number[], seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s / 0xffffffff) * 2 - 1;
  }
  return out;
}
