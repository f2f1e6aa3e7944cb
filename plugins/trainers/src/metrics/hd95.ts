import type { Metric, MetricInput, MetricValue } from '@graphflow/core';
import { checkMetricInput } from './check-input';
import { classMask, countOnes } from './class-mask';
import { euclideanDistanceTransform } from './euclidean-distance-transform';
import { foregroundMean } from './foreground-mean';
import { percentile } from './percentile';
import { surfaceOf } from './surface';

/**
 * 95th-percentile symmetric Hausdorff distance between the surfaces of prediction and target, per class,
 * in pixels (voxels) or in physical units when `spacing` is given. 2-D ([H,W]) and 3-D ([D,H,W]).
 *
 * Definition (MedPy's `hd95`): the distances from every prediction-surface element to the nearest
 * target-surface element and from every target-surface element to the nearest prediction-surface element
 * are pooled, and their 95th percentile (linear interpolation) is taken. Distances use an exact Euclidean
 * distance transform.
 *
 * Empty masks: class absent from both → NaN (undefined, excluded from means, like Dice);
 * absent from exactly one → the diagonal of the image extent (the largest distance the image allows), a finite
 * worst case so means over cases stay usable while a missed or hallucinated organ is still penalized maximally.
 */
export class Hd95Metric implements Metric {
  readonly name: string;
  readonly higherIsBetter = false;

  constructor(private readonly q = 95) {
    this.name = q === 95 ? 'hd95' : `hd${q}`;
  }

  compute(input: MetricInput): MetricValue {
    checkMetricInput(input);
    const perClass: number[] = [];
    for (let c = 0; c < input.numClasses; c++) perClass.push(this.classDistance(input, c));
    return { perClass, mean: foregroundMean(perClass) };
  }

  /** HD for one class. */
  classDistance(input: MetricInput, cls: number): number {
    const pred = classMask(input.prediction, cls);
    const gt = classMask(input.target, cls);
    const np = countOnes(pred);
    const ng = countOnes(gt);
    if (np === 0 && ng === 0) return NaN;
    if (np === 0 || ng === 0) return extentDiagonal(input.shape, input.spacing);
    const predSurface = surfaceOf(pred, input.shape);
    const gtSurface = surfaceOf(gt, input.shape);
    const toGt = euclideanDistanceTransform(gtSurface, input.shape, input.spacing);
    const toPred = euclideanDistanceTransform(predSurface, input.shape, input.spacing);
    const distances: number[] = [];
    for (let i = 0; i < pred.length; i++) {
      if (predSurface[i]) distances.push(toGt[i]!);
      if (gtSurface[i]) distances.push(toPred[i]!);
    }
    return percentile(distances, this.q);
  }
}

export function extentDiagonal(shape: readonly number[], spacing?: readonly number[]): number {
  let sum = 0;
  for (let a = 0; a < shape.length; a++) {
    const len = shape[a]! * (spacing ? spacing[a]! : 1);
    sum += len * len;
  }
  return Math.sqrt(sum);
}
