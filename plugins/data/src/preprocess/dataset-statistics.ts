import type { Partition } from '@graphflow/core';
import { mapLimit } from '../dataset/batch-stream';
import type { DatasetOptions } from '../dataset/dataset-options';
import { readRegion } from '../dataset/preprocess-entry';
import type { SampleEntry } from '../dataset/sample-entry';
import { convertChannels } from './channels';
import type { Normalization } from './normalize';

/** Per-channel values a dataset-level normalization resolved to, for evaluation and prediction to reuse. */
export interface NormalizationStatistics {
  mode: 'zscore' | 'percentile';
  mean: number[];
  std: number[];
  /** percentile: the [low, high] each channel is clipped to first. */
  clip?: [number, number][];
  /** Partition and number of images they were computed over; absent when the options gave them. */
  computedOver?: { partition: Partition; images: number };
}

/** Pixels per image kept for percentiles: plenty for 0.5 % tails, bounded memory on 1-megapixel photographs. */
const PERCENTILE_SAMPLES_PER_IMAGE = 20000;

interface ImageStatistics {
  count: number;
  sum: Float64Array;
  sumSq: Float64Array;
  /** Per channel, evenly spaced in-ROI values (percentile mode only). */
  samples?: Float32Array[];
}

/** One image's in-ROI sums (and sampled values), at file resolution after channel conversion, in file units. */
async function imageStatistics(entry: SampleEntry, options: DatasetOptions, sample: boolean): Promise<ImageStatistics> {
  const raster = await entry.readImage();
  const n = raster.width * raster.height;
  const c = options.channels;
  const pixels = convertChannels(raster.data, n, raster.channels, c);
  const region = await readRegion(entry, raster, options);
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (region && !region[i]) continue;
    count++;
    for (let k = 0; k < c; k++) {
      const v = pixels[i * c + k]!;
      sum[k] += v;
      sumSq[k] += v * v;
    }
  }
  if (!sample) return { count, sum, sumSq };
  const keep = Math.min(count, PERCENTILE_SAMPLES_PER_IMAGE);
  const samples = Array.from({ length: c }, () => new Float32Array(keep));
  // Every (count/keep)-th in-ROI pixel: deterministic and spread over the whole image.
  let seen = 0;
  let taken = 0;
  for (let i = 0; i < n && taken < keep; i++) {
    if (region && !region[i]) continue;
    if (Math.floor((seen * keep) / count) === taken) {
      for (let k = 0; k < c; k++) samples[k]![taken] = pixels[i * c + k]!;
      taken++;
    }
    seen++;
  }
  return { count, sum, sumSq, samples };
}

function percentile(sorted: Float32Array, p: number): number {
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/**
 * Per-channel statistics of the training images inside the ROI: exact mean and std over every such pixel, and for
 * `percentile` the clip range from an even sample of them. Mean and std are of the unclipped values, as nnU-Net's.
 * Returns the normalization with its values filled in.
 */
export async function computeDatasetStatistics(entries: readonly SampleEntry[], indices: readonly number[], options: DatasetOptions): Promise<Normalization> {
  const n = options.normalization;
  const percentileMode = n.mode === 'percentile';
  const per = await mapLimit(indices, options.scanConcurrency, (i) => imageStatistics(entries[i]!, options, percentileMode));
  const c = options.channels;
  const count = per.reduce((a, s) => a + s.count, 0);
  if (count === 0) throw new Error('no training pixels inside the ROI to compute normalization statistics from');
  const mean = Array.from({ length: c }, (_, k) => per.reduce((a, s) => a + s.sum[k]!, 0) / count);
  const std = Array.from({ length: c }, (_, k) => {
    const variance = per.reduce((a, s) => a + s.sumSq[k]!, 0) / count - mean[k]! ** 2;
    return Math.max(Math.sqrt(Math.max(variance, 0)), 1e-8);
  });
  if (!percentileMode) return { mode: 'zscore', mean, std };
  const [lo, hi] = n.percentiles ?? [0.5, 99.5];
  const clip = Array.from({ length: c }, (_, k) => {
    const all = new Float32Array(per.reduce((a, s) => a + s.samples![k]!.length, 0));
    let at = 0;
    for (const s of per) {
      all.set(s.samples![k]!, at);
      at += s.samples![k]!.length;
    }
    all.sort();
    return [percentile(all, lo), percentile(all, hi)] as [number, number];
  });
  return { mode: 'percentile', percentiles: [lo, hi], clip, mean, std };
}

/** The per-channel values of a normalization that has them (given or computed), else null. */
export function statisticsOf(n: Normalization, channels: number, computedOver?: NormalizationStatistics['computedOver']): NormalizationStatistics | null {
  const spread = (v: number | number[]): number[] => Array.from({ length: channels }, (_, k) => (typeof v === 'number' ? v : (v[k] ?? v[0]!)));
  if (n.mode === 'zscore' && n.mean !== undefined && n.std !== undefined) return { mode: 'zscore', mean: spread(n.mean), std: spread(n.std), ...(computedOver ? { computedOver } : {}) };
  if (n.mode === 'percentile' && n.clip && n.mean && n.std) {
    return { mode: 'percentile', mean: spread(n.mean), std: spread(n.std), clip: Array.from({ length: channels }, (_, k) => n.clip![k] ?? n.clip![0]!), ...(computedOver ? { computedOver } : {}) };
  }
  return null;
}
