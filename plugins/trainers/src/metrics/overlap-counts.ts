import type { MetricInput } from '@graphflow/core';

export interface OverlapCounts {
  /** Elements where prediction = target = c. */
  intersection: number[];
  /** Elements predicted as c. */
  predicted: number[];
  /** Elements whose target is c. */
  actual: number[];
}

/**
 * Per-class counts in one pass over the elements that count (`roi` 1, or all without a roi), so every metric built on
 * them (Dice, IoU, accuracy) leaves the outside of the region of interest out. Classes outside [0, numClasses) are a
 * caller bug and throw.
 */
export function overlapCounts(input: MetricInput): OverlapCounts {
  const k = input.numClasses;
  const intersection = new Array<number>(k).fill(0);
  const predicted = new Array<number>(k).fill(0);
  const actual = new Array<number>(k).fill(0);
  const { prediction, target, roi } = input;
  for (let i = 0; i < prediction.length; i++) {
    if (roi && roi[i] === 0) continue;
    const p = prediction[i]!;
    const t = target[i]!;
    if (p >= k || t >= k) throw new RangeError(`metric input: class ${Math.max(p, t)} at element ${i} but numClasses is ${k}`);
    predicted[p]!++;
    actual[t]!++;
    if (p === t) intersection[p]!++;
  }
  return { intersection, predicted, actual };
}
