import type { Metric, MetricInput, MetricValue } from '@graphflow/core';
import { checkMetricInput } from './check-input';
import { overlapCounts } from './overlap-counts';

/**
 * Pixel accuracy. `mean` is the overall fraction of correctly classified pixels (the paper's "Acc"), not a
 * mean over classes; `perClass[c]` is the fraction of class-c target pixels predicted as c (NaN when c is absent
 * from the target). Elements outside `roi` are left out of both.
 */
export class AccuracyMetric implements Metric {
  readonly name = 'accuracy';
  readonly higherIsBetter = true;

  compute(input: MetricInput): MetricValue {
    checkMetricInput(input);
    const { intersection, actual } = overlapCounts(input);
    // Elements that count: all, or those inside the region of interest.
    const total = actual.reduce((a, b) => a + b, 0);
    const correct = intersection.reduce((a, b) => a + b, 0);
    const perClass = intersection.map((inter, c) => (actual[c] === 0 ? NaN : inter / actual[c]!));
    return { perClass, mean: total === 0 ? NaN : correct / total };
  }
}
