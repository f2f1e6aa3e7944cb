import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Sample } from '@graphflow/core';
import { SegmentationDataset, withDatasetDefaults, type LayoutScan, type SampleEntry } from '../src/index';
import { tempDir } from './fixtures';

/** Four 8×6 grey entries held in memory, counting how often their pixels are read. */
function countingLayout(counts: { image: number; mask: number }): LayoutScan {
  const entries: SampleEntry[] = Array.from({ length: 4 }, (_, i) => ({
    id: `e${i}`,
    group: `e${i}`,
    imageFile: `memory:e${i}`,
    maskFiles: [`memory:e${i}#mask`],
    readImage: async () => {
      counts.image++;
      return { width: 6, height: 8, channels: 1, data: Float32Array.from({ length: 48 }, (_, k) => (k * (i + 1)) % 255), maxValue: 255, file: `memory:e${i}` };
    },
    readMasks: async () => {
      counts.mask++;
      return [{ width: 6, height: 8, channels: 1, data: Float32Array.from({ length: 48 }, (_, k) => (k % (i + 2) === 0 ? 1 : 0)), maxValue: 255, file: `memory:e${i}#mask` }];
    },
  }));
  return { root: 'memory:', entries, problems: [] };
}

describe('on-disk sample cache', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('cache');
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const options = (cacheDir: string) => withDatasetDefaults({ numClasses: 2, mask: { mode: 'index' }, size: [4, 3], cacheDir, split: { ratios: { train: 1, val: 0, test: 0 }, shuffle: false, labeledFraction: 1 } });

  async function all(data: SegmentationDataset): Promise<Sample[]> {
    const out: Sample[] = [];
    for await (const s of data.samples('train')) out.push(s);
    return out;
  }

  it('serves identical samples from disk without decoding again', async () => {
    const cacheDir = path.join(dir, 'c1');
    const first = { image: 0, mask: 0 };
    const fresh = await all(await SegmentationDataset.create(countingLayout(first), options(cacheDir)));
    const written = await fs.readdir(cacheDir);
    assert.equal(written.filter((f) => f.endsWith('.npz')).length, 4);

    const second = { image: 0, mask: 0 };
    const data = await SegmentationDataset.create(countingLayout(second), options(cacheDir));
    const scanReads = { ...second };
    const cached = await all(data);
    assert.deepEqual(second, scanReads, 'no decoding after the scan: all four came from disk');
    assert.deepEqual(cached, fresh);
    assert.deepEqual(cached[0]!.meta!.originalSize, [8, 6]);
  });

  it('a different preprocessing option misses the cache', async () => {
    const cacheDir = path.join(dir, 'c2');
    await all(await SegmentationDataset.create(countingLayout({ image: 0, mask: 0 }), options(cacheDir)));
    const counts = { image: 0, mask: 0 };
    const data = await SegmentationDataset.create(countingLayout(counts), { ...options(cacheDir), normalization: { mode: 'minmax' } });
    const afterScan = counts.image;
    await all(data);
    assert.equal(counts.image - afterScan, 4);
    assert.equal((await fs.readdir(cacheDir)).length, 8);
  });
});
