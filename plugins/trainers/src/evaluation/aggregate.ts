import type { MetricValue } from '@graphflow/core';
import { foregroundMean } from '../metrics/foreground-mean';

/**
 * Averages per-case (or per-volume) metric values class by class, skipping NaN (class absent from a case), then
 * takes the foreground mean of those averages — the per-organ table convention of the Synapse benchmark.
 * Accuracy's `mean` is not a class mean, so it is averaged directly.
 */
export function aggregateMetric(name: string, values: readonly MetricValue[]): MetricValue {
  const k = values.reduce((m, v) => Math.max(m, v.perClass.length), 0);
  const perClass: number[] = [];
  for (let c = 0; c < k; c++) perClass.push(nanMean(values.map((v) => v.perClass[c] ?? NaN)));
  const mean = name === 'accuracy' ? nanMean(values.map((v) => v.mean)) : foregroundMean(perClass);
  return { perClass, mean };
}

export function nanMean(values: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    sum += v;
    n++;
  }
  return n === 0 ? NaN : sum / n;
}
