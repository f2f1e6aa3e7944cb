import { Rng } from './rng';

/**
 * A generator for (seed, labels…), seeded by hashing them together.
 * Used instead of core's `deriveRng` because `Rng.fork` leaves state word 1 unchanged, so the first draw of every
 * generator forked from one seed is identical — per-sample augmentation would then make the same first choice
 * for every sample. Hashing the labels into the seed (FNV-1a, then splitmix inside Rng) avoids that.
 */
export function labeledRng(seed: number, ...labels: (string | number)[]): Rng {
  let h = 2166136261 ^ (seed >>> 0);
  const text = labels.join('\u0000');
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return new Rng(h >>> 0);
}
