import type { MetricInput } from '@graphflow/core';

/** Metric inputs must agree in size; a mismatch is a programming error in the caller, so it throws RangeError. */
export function checkMetricInput(input: MetricInput): number {
  const total = input.shape.reduce((a, b) => a * b, 1);
  if (input.prediction.length !== total || input.target.length !== total) {
    throw new RangeError(`metric input: prediction ${input.prediction.length} / target ${input.target.length} elements, shape [${input.shape.join(', ')}] needs ${total}`);
  }
  if (input.roi && input.roi.length !== total) {
    throw new RangeError(`metric input: roi has ${input.roi.length} elements, shape [${input.shape.join(', ')}] needs ${total}`);
  }
  if (input.spacing && input.spacing.length !== input.shape.length) {
    throw new RangeError(`metric input: spacing has ${input.spacing.length} axes, shape has ${input.shape.length}`);
  }
  return total;
}
