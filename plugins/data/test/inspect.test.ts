import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { inspectData, scanSyntheticLayout, SegmentationDataset, syntheticDatasetOptions, type SyntheticDatasetOptions } from '../src/index';
import { tempDir } from './fixtures';

describe('inspectData', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('inspect');
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('writes counts, class frequencies, sizes and a contact sheet with overlays', async () => {
    const o: SyntheticDatasetOptions = {
      size: 32, count: 10, classes: 3, seed: 2, groupSize: 1, channels: 1, normalization: { mode: 'none' },
      split: { ratios: { train: 0.6, val: 0.2, test: 0.2 }, shuffle: true, labeledFraction: 0.5 },
      augment: [], strict: true, cache: false, prefetch: 2, scanConcurrency: 4,
    };
    const data = await SegmentationDataset.create(scanSyntheticLayout(o), syntheticDatasetOptions(o), { seed: 4 });
    const report = await inspectData(data, dir, { samples: 6 });
    assert.deepEqual(
      [report.partitions.train.samples, report.partitions.val.samples, report.partitions.test.samples, report.partitions.unlabeled.samples],
      [3, 2, 2, 3],
    );
    assert.equal(report.partitions.unlabeled.classPixelFrequency, undefined, 'no mask statistics without masks');
    const freq = report.partitions.train.classPixelFrequency!;
    assert.equal(freq.length, 3);
    assert.ok(Math.abs(freq.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.ok(freq[0]! > freq[1]! && freq[1]! > freq[2]!);
    assert.deepEqual(report.imageSizes, { '32x32': 10 });
    const saved = JSON.parse(await fs.readFile(path.join(dir, 'data-report.json'), 'utf8'));
    assert.deepEqual(saved.partitions, JSON.parse(JSON.stringify(report.partitions)));
    const meta = await sharp(path.join(dir, 'contact-sheet.png')).metadata();
    // 6 labeled tiles of 32 px in rows of 4 with 2 px gaps: 4·32+3·2 by 2·32+2.
    assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', 134, 66, 3]);
    const { data: px } = await sharp(path.join(dir, 'contact-sheet.png')).raw().toBuffer({ resolveWithObject: true });
    let tinted = 0;
    for (let i = 0; i < px.length; i += 3) if (px[i]! > px[i + 1]! + 40) tinted++;
    assert.ok(tinted > 50, `overlay colour visible on ${tinted} pixels`);
  });
});
