import type { Rng } from './rng';

/**
 * Runs `fn` with `Math.random` drawing from `rng`, then puts the original back (also when `fn` throws).
 * TensorFlow.js's unseeded initializers and dropout take their seeds from `Math.random`, so this is how
 * weights built by code that exposes no seed become reproducible. Callers must not let other work
 * interleave while `fn` awaits: everything that draws meanwhile draws from `rng`.
 */
export async function withMathRandomFrom<T>(rng: Rng, fn: () => T | Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = () => rng.next();
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}
