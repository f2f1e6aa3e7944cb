import type { Rng } from '@graphflow/core';

/**
 * Runs `fn` with Math.random replaced by `rng`. TensorFlow.js ops without an explicit seed (dropout, random
 * augmentation inside a model, noise layers) take their seed from Math.random(); seeding it per update from
 * (run seed, stage, step) makes such ops reproduce exactly, which bit-exact resume needs. `fn` must be synchronous,
 * so no other code can observe the replacement.
 */
export function withSeededRandom<T>(rng: Rng, fn: () => T): T {
  const original = Math.random;
  Math.random = () => rng.next();
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error('withSeededRandom: fn must be synchronous');
    return result;
  } finally {
    Math.random = original;
  }
}
