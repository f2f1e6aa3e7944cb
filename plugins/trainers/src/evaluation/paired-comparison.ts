import { bootstrapMeanInterval } from '@graphflow/core';
import type { CaseResult } from './evaluate-model';

export interface PairedComparison {
  /** Cases (or volumes) where both models have a defined value. */
  n: number;
  /** Cases where the candidate is better / worse (ties are neither). */
  wins: number;
  losses: number;
  /** Mean of candidate − baseline over the paired cases. */
  meanDifference: number;
  /** 95% percentile-bootstrap interval of that mean (NaN with fewer than 2 pairs). */
  ci: [low: number, high: number];
}

/**
 * Paired per-case comparison of two models evaluated on the same cases: a single test-split mean hides whether a
 * difference is a few cases or all of them, and one split of a few dozen images is noisy. The bootstrap resamples
 * cases with a fixed seed, so the same evaluations give the same interval.
 */
export function pairedComparison(baseline: readonly CaseResult[], candidate: readonly CaseResult[], metric: string, higherIsBetter: boolean): PairedComparison {
  const byId = new Map(baseline.map((c) => [c.id, c.metrics[metric]?.mean]));
  const diffs: number[] = [];
  for (const c of candidate) {
    const a = byId.get(c.id);
    const b = c.metrics[metric]?.mean;
    if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b)) continue;
    diffs.push(b - a);
  }
  const n = diffs.length;
  const better = (d: number) => (higherIsBetter ? d > 0 : d < 0);
  const worse = (d: number) => (higherIsBetter ? d < 0 : d > 0);
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ci = bootstrapMeanInterval(diffs);
  return { n, wins: diffs.filter(better).length, losses: diffs.filter(worse).length, meanDifference: n ? mean(diffs) : NaN, ci };
}
