import type { Metric, MetricInput, MetricValue } from '@graphflow/core';
import { checkMetricInput } from './check-input';
import { foregroundMean } from './foreground-mean';
import { overlapCounts } from './overlap-counts';

/** IoU (Jaccard) = |P∩G| / |P∪G| per class over the elements inside `roi` when given; NaN when the class is absent from both. Its mean is the paper's mIoU. */
export class IouMetric implements Metric {
  readonly name = 'iou';
  readonly higherIsBetter = true;

  compute(input: MetricInput): MetricValue {
    checkMetricInput(input);
    const { intersection, predicted, actual } = overlapCounts(input);
    const perClass = intersection.map((inter, c) => {
      const union = predicted[c]! + actual[c]! - inter;
      return union === 0 ? NaN : inter / union;
    });
    return { perClass, mean: foregroundMean(perClass) };
  }
}
