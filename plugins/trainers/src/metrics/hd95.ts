import type { Metric, MetricInput, MetricValue } from '@graphflow/core';
import { cropToUnion } from './bounding-box';
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
 *
 * Region of interest: outside `roi`, prediction and target are both set to background before surfaces are extracted,
 * so nothing predicted there counts and the ROI's own border is no surface of any foreground class.
 */
export class Hd95Metric implements Metric {
  readonly name: string;
  readonly higherIsBetter = false;

  constructor(private readonly q = 95) {
    this.name = q === 95 ? 'hd95' : `hd${q}`;
  }

  compute(input: MetricInput): MetricValue {
    checkMetricInput(input);
    const masked = outsideRoiAsBackground(input);
    const perClass: number[] = [];
    for (let c = 0; c < input.numClasses; c++) perClass.push(this.classDistance(masked, c));
    return { perClass, mean: foregroundMean(perClass) };
  }

  /** HD for one class. */
  classDistance(unmasked: MetricInput, cls: number): number {
    const input = outsideRoiAsBackground(unmasked);
    const pred = classMask(input.prediction, cls);
    const gt = classMask(input.target, cls);
    const np = countOnes(pred);
    const ng = countOnes(gt);
    if (np === 0 && ng === 0) return NaN;
    if (np === 0 || ng === 0) return extentDiagonal(input.shape, input.spacing);
    const box = cropToUnion(pred, gt, input.shape)!;
    const predSurface = surfaceOf(box.a, box.shape);
    const gtSurface = surfaceOf(box.b, box.shape);
    const toGt = euclideanDistanceTransform(gtSurface, box.shape, input.spacing);
    const toPred = euclideanDistanceTransform(predSurface, box.shape, input.spacing);
    const distances = new Float64Array(countOnes(predSurface) + countOnes(gtSurface));
    let n = 0;
    for (let i = 0; i < predSurface.length; i++) {
      if (predSurface[i]) distances[n++] = toGt[i]!;
      if (gtSurface[i]) distances[n++] = toPred[i]!;
    }
    return percentile(distances, this.q);
  }
}

/** The input with prediction and target set to background (0) wherever `roi` is 0; the input itself without a roi. */
export function outsideRoiAsBackground(input: MetricInput): MetricInput {
  const { roi } = input;
  if (!roi) return input;
  const prediction = Uint8Array.from(input.prediction);
  const target = Uint8Array.from(input.target);
  for (let i = 0; i < roi.length; i++) {
    if (roi[i] === 0) {
      prediction[i] = 0;
      target[i] = 0;
    }
  }
  const { roi: _dropped, ...rest } = input;
  return { ...rest, prediction, target };
}

export function extentDiagonal(shape: readonly number[], spacing?: readonly number[]): number {
  let sum = 0;
  for (let a = 0; a < shape.length; a++) {
    const len = shape[a]! * (spacing ? spacing[a]! : 1);
    sum += len * len;
  }
  return Math.sqrt(sum);
}
