import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Sample } from '@graphflow/core';
import { datasetRules, SegmentationDataset, withDatasetDefaults, type DatasetOptions, type LayoutScan, type SampleEntry } from '../src/index';

/** Entries 0..n-1 with 3-channel pixels given by `value(entry, pixel, channel)`, 10×10, all-background masks. */
function layout(n: number, value: (e: number, p: number, k: number) => number): LayoutScan {
  const entries: SampleEntry[] = Array.from({ length: n }, (_, e) => ({
    id: `n${e}`,
    group: `n${e}`,
    imageFile: `memory:n${e}`,
    maskFiles: [`memory:n${e}#mask`],
    readImage: async () => ({ width: 10, height: 10, channels: 3, data: Float32Array.from({ length: 300 }, (_, i) => value(e, Math.floor(i / 3), i % 3)), maxValue: 255, file: `memory:n${e}` }),
    readMasks: async () => [{ width: 10, height: 10, channels: 1, data: new Float32Array(100), maxValue: 255, file: `memory:n${e}#mask` }],
  }));
  return { root: 'memory:', entries, problems: [] };
}

// Entries 0-2 train, 3 test (unshuffled 3:0:1 split).
const options = (o: Partial<DatasetOptions>): DatasetOptions => withDatasetDefaults({ numClasses: 2, channels: 3, mask: { mode: 'index' }, split: { ratios: { train: 3, val: 0, test: 1 }, shuffle: false, labeledFraction: 1 }, ...o });

async function first(data: SegmentationDataset, partition: 'train' | 'test'): Promise<Sample> {
  for await (const s of data.samples(partition)) return s;
  throw new Error('empty');
}

function meanStd(values: number[]): [number, number] {
  const m = values.reduce((a, v) => a + v, 0) / values.length;
  return [m, Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length)];
}

describe('dataset normalization statistics', () => {
  it('zscore statistics: dataset uses per-channel mean/std of the training partition only, and reports them', async () => {
    // Channel k of entry e, pixel p: e·10 + p % 7 + 100·k; the test image is far off and must not shift the statistics.
    const value = (e: number, p: number, k: number): number => (e === 3 ? 250 : e * 10 + (p % 7) + 60 * k);
    const data = await SegmentationDataset.create(layout(4, value), options({ normalization: { mode: 'zscore', statistics: 'dataset' } }));
    const stats = data.normalizationStatistics()!;
    assert.equal(stats.mode, 'zscore');
    assert.deepEqual(stats.computedOver, { partition: 'train', images: 3 });
    for (let k = 0; k < 3; k++) {
      const [m, s] = meanStd([0, 1, 2].flatMap((e) => Array.from({ length: 100 }, (_, p) => value(e, p, k))));
      assert.ok(Math.abs(stats.mean[k]! - m) < 1e-9 && Math.abs(stats.std[k]! - s) < 1e-9, `channel ${k}`);
    }
    const test = await first(data, 'test');
    assert.ok(Math.abs(test.image[1]! - (250 - stats.mean[1]!) / stats.std[1]!) < 1e-4, 'the test image is normalized with the training statistics');
    assert.equal(await SegmentationDataset.create(layout(4, value), options({})).then((d) => d.normalizationStatistics()), null);
  });

  it('statistics are taken inside the ROI only', async () => {
    // Red is 200 on the left half (the ROI) and 0 elsewhere; green is 50 inside and 150 outside.
    const value = (_e: number, p: number, k: number): number => (p % 10 < 5 ? [200, 50, 7][k]! : [0, 150, 7][k]!);
    const data = await SegmentationDataset.create(layout(4, value), options({ normalization: { mode: 'zscore', statistics: 'dataset' }, roi: { mode: 'threshold', channel: 0, above: 100 } }));
    const stats = data.normalizationStatistics()!;
    assert.deepEqual(stats.mean.map((v) => Math.round(v)), [200, 50, 7]);
    assert.ok(stats.std.every((v) => v < 1e-6));
  });

  it('percentile: clipped to the training [0.5, 99.5] percentiles, then z-scored', async () => {
    // Training pixel values 0..299 across the three images (same in every channel), one outlier of 10000.
    const value = (e: number, p: number): number => (e === 0 && p === 0 ? 10000 : e === 3 ? 5000 : e * 100 + p);
    const data = await SegmentationDataset.create(layout(4, value), options({ normalization: { mode: 'percentile' } }));
    const stats = data.normalizationStatistics()!;
    assert.equal(stats.mode, 'percentile');
    const sorted = [0, 1, 2].flatMap((e) => Array.from({ length: 100 }, (_, p) => value(e, p))).sort((a, b) => a - b);
    const at = (q: number): number => {
      const r = (q / 100) * (sorted.length - 1);
      return sorted[Math.floor(r)]! + (sorted[Math.ceil(r)]! - sorted[Math.floor(r)]!) * (r - Math.floor(r));
    };
    for (const [lo, hi] of stats.clip!) {
      assert.ok(Math.abs(lo - at(0.5)) < 1e-3 && Math.abs(hi - at(99.5)) < 1e-3, `clip ${lo}, ${hi}`);
    }
    const [m, s] = meanStd(sorted);
    assert.ok(Math.abs(stats.mean[0]! - m) < 1e-6 && Math.abs(stats.std[0]! - s) < 1e-6);
    // The test image's 5000 is clipped to the upper bound before scaling.
    const test = await first(data, 'test');
    assert.ok(Math.abs(test.image[0]! - (stats.clip![0]![1] - m) / s) < 1e-4);
    // Reusing the reported values as options reproduces the normalization without computing anything.
    const reused = await SegmentationDataset.create(layout(4, value), options({ normalization: { mode: 'percentile', clip: stats.clip!, mean: stats.mean, std: stats.std } }));
    assert.deepEqual((await first(reused, 'test')).image, test.image);
    assert.equal(reused.normalizationStatistics()!.computedOver, undefined);
  });

  it('option rules report inconsistent statistics before any work', () => {
    const pointers = (o: Partial<DatasetOptions>): string[] => datasetRules({ channels: 3, ...o }).map((v) => v.pointer);
    assert.deepEqual(pointers({ normalization: { mode: 'zscore', statistics: 'dataset', mean: 1, std: 2 } }), ['/normalization']);
    assert.deepEqual(pointers({ normalization: { mode: 'zscore', mean: [1, 2], std: [1, 1, 1] } }), ['/normalization/mean']);
    assert.deepEqual(pointers({ normalization: { mode: 'percentile', clip: [[0, 1]] } }), ['/normalization']);
    assert.deepEqual(pointers({ normalization: { mode: 'percentile', percentiles: [99, 1] } }), ['/normalization']);
    assert.deepEqual(pointers({ normalization: { mode: 'zscore', mean: [1, 2, 3], std: [1, 1, 1] } }), []);
  });
});
