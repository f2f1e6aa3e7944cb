import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { GraphFlowError } from '@graphflow/core';
import { scanFolderLayout, SegmentationDataset, withDatasetDefaults } from '../src/index';

/** An RGB image whose pixel (y, x) is (4y + x, 100 + x, 200 − y) and a matching binary mask. */
async function writePair(dir: string, name: string, h: number, w: number, shift: number): Promise<void> {
  const rgb = Buffer.alloc(h * w * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set([4 * y + x + shift, 100 + x, 200 - y], (y * w + x) * 3);
  await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path.join(dir, 'images', `${name}.png`));
  const mask = Buffer.alloc(h * w, 0);
  mask.fill(255, 0, w * 2);
  await sharp(mask, { raw: { width: w, height: h, channels: 1 } }).png().toFile(path.join(dir, 'masks', `${name}.png`));
}

describe('preprocessImageFile: new images get the training preprocessing', () => {
  it('matches samples() exactly, with the dataset statistics and a threshold ROI, at native size', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-preprocess-file-'));
    await fs.mkdir(path.join(root, 'images'));
    await fs.mkdir(path.join(root, 'masks'));
    for (const [i, name] of ['a', 'b', 'c'].entries()) await writePair(root, name, 12, 10, 10 * i);
    const o = withDatasetDefaults({
      root, images: 'images', masks: 'masks', imagePattern: '^(.+)\\.png$', maskPattern: '^(.+)\\.png$',
      numClasses: 2, channels: 3, normalization: { mode: 'zscore', statistics: 'dataset' }, roi: { mode: 'threshold', channel: 0, above: 20 },
      split: { lists: { train: ['a', 'b'], test: ['c'] }, shuffle: false, ratios: { train: 1, val: 0, test: 0 }, labeledFraction: 1 },
    } as never);
    const data = await SegmentationDataset.create(await scanFolderLayout(o as never), o);
    let test;
    for await (const s of data.samples('test')) test = s;
    const fresh = await data.preprocessImageFile(path.join(root, 'images', 'c.png'));
    assert.deepEqual([fresh.height, fresh.width, fresh.channels], [12, 10, 3]);
    assert.equal(fresh.mask, undefined);
    assert.deepEqual(Array.from(fresh.image), Array.from(test!.image), 'pixels normalized with the training statistics, not per image');
    assert.deepEqual(Array.from(fresh.roi!), Array.from(test!.roi!));
    const stats = data.normalizationStatistics()!;
    // Red of c at (0, 0) is 20: (20 − mean_red) / std_red.
    assert.ok(Math.abs(fresh.image[0]! - (20 - stats.mean[0]!) / stats.std[0]!) < 1e-4);
    await assert.rejects(data.preprocessImageFile(path.join(root, 'nope.png')), (e: unknown) => e instanceof GraphFlowError && e.code === 'GF_DATA_INVALID');
    await fs.rm(root, { recursive: true, force: true });
  });
});
