import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { scanFolderLayout, SegmentationDataset, withDatasetDefaults } from '../src/index';
import { squarePair, tempDir, writeImage } from './fixtures';

const S = 16;
const layout = { images: 'images', masks: 'masks', imagePattern: '^(.+)\\.png$', maskPattern: '^(.+)\\.png$' };
const opts = withDatasetDefaults({ numClasses: 2, split: { ratios: { train: 0.8, val: 0, test: 0.2 }, shuffle: true, labeledFraction: 0.5, seed: 9 } });

describe('unlabeled partition (semi-supervised)', () => {
  let root: string;
  before(async () => {
    await tf.setBackend('cpu');
    root = await tempDir('unlabeled');
    for (let i = 0; i < 10; i++) {
      const { image, mask } = squarePair(S, 2, 4 + i);
      await writeImage(path.join(root, 'images', `s${i}.png`), image, S, S, 'png');
      await writeImage(path.join(root, 'masks', `s${i}.png`), mask, S, S, 'png');
    }
  });
  after(() => fs.rm(root, { recursive: true, force: true }));

  it('never reads unlabeled masks: corrupting them changes nothing, and batches carry no labels', async () => {
    const first = await SegmentationDataset.create(await scanFolderLayout({ root, ...layout }), opts);
    const unlabeled = first.ids('unlabeled');
    assert.equal(unlabeled.length, 4);
    assert.equal(first.size('train'), 4);
    // Replace every unlabeled mask with garbage: reading any of them would fail the build or the batches.
    for (const id of unlabeled) await fs.writeFile(path.join(root, 'masks', `${id}.png`), 'not an image');
    const data = await SegmentationDataset.create(await scanFolderLayout({ root, ...layout }), opts);
    assert.deepEqual(data.ids('unlabeled'), unlabeled);
    let seen = 0;
    for await (const b of data.batches('unlabeled', { batchSize: 3, shuffle: true, augment: false, epoch: 0 })) {
      assert.equal(b.labeled, false);
      assert.equal(b.labels, undefined);
      seen += b.ids.length;
      b.images.dispose();
    }
    assert.equal(seen, 4);
    for await (const s of data.samples('unlabeled')) assert.equal(s.mask, undefined);
    for await (const b of data.batches('train', { batchSize: 4, shuffle: false, augment: false, epoch: 0 })) {
      assert.equal(b.labeled, true);
      assert.deepEqual(b.labels!.shape, [4, S, S]);
      tf.dispose([b.images, b.labels!]);
    }
  });

  it('a labeled sample with a corrupt mask still fails the build', async () => {
    const data = await SegmentationDataset.create(await scanFolderLayout({ root, ...layout }), { ...opts, strict: false });
    const labeledId = data.ids('train')[0]!;
    const maskFile = path.join(root, 'masks', `${labeledId}.png`);
    const backup = await fs.readFile(maskFile);
    await fs.writeFile(maskFile, 'garbage');
    try {
      await assert.rejects(SegmentationDataset.create(await scanFolderLayout({ root, ...layout }), opts), (e: Error & { problems?: { file?: string }[] }) => e.problems!.some((p) => p.file === maskFile));
    } finally {
      await fs.writeFile(maskFile, backup);
    }
  });
});
