import type { Metric, MetricInput, MetricValue } from '@graphflow/core';
import { checkMetricInput } from './check-input';
import { foregroundMean } from './foreground-mean';
import { overlapCounts } from './overlap-counts';

/**
 * Dice = 2|P∩G| / (|P| + |G|) per class, over the elements inside `roi` when given. A class absent from both prediction and target is NaN
 * (undefined, left out of means); absent from exactly one it is 0.
 */
export class DiceMetric implements Metric {
  readonly name = 'dice';
  readonly higherIsBetter = true;

  compute(input: MetricInput): MetricValue {
    checkMetricInput(input);
    const { intersection, predicted, actual } = overlapCounts(input);
    const perClass = intersection.map((inter, c) => {
      const denom = predicted[c]! + actual[c]!;
      return denom === 0 ? NaN : (2 * inter) / denom;
    });
    return { perClass, mean: foregroundMean(perClass) };
  }
}
