import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isGraphFlowError } from '@graphflow/core';
import { assignPartitions, folderDataset, scanFolderLayout, SegmentationDataset, withDatasetDefaults, type DatasetOptions, type SplitItem } from '../src/index';
import { squarePair, tempDir, writeImage } from './fixtures';

const opts = (o: Partial<DatasetOptions> = {}): DatasetOptions =>
  withDatasetDefaults({ numClasses: 2, split: { ratios: { train: 3, val: 1, test: 0 }, shuffle: false, labeledFraction: 1 }, ...o });

async function pair(root: string, images: string, masks: string, id: string, size: number): Promise<void> {
  const { image, mask } = squarePair(size, 2, 6);
  await writeImage(path.join(root, images, `${id}.png`), image, size, size, 'png');
  await writeImage(path.join(root, masks, `${id}_mask.png`), mask, size, size, 'png');
}

const patterns = { imagePattern: '^(.+?)\\.png$', maskPattern: '^(.+)_mask\\.png$' };

function warnings(): { logger: { info: () => void; warn: (o: object, msg?: string) => void }; seen: { obj: object; msg?: string }[] } {
  const seen: { obj: object; msg?: string }[] = [];
  return { logger: { info: () => undefined, warn: (obj, msg) => void seen.push({ obj, msg }) }, seen };
}

describe('datasets as published: several folders, symlinks, stray files', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('sources');
    const root = path.join(dir, 'drive');
    // A training folder of 16×16 images split by ratio, and an official test folder of 24×24 ones.
    for (let i = 1; i <= 4; i++) await pair(root, 'training/images', 'training/labels', `${i}`, 16);
    for (let i = 1; i <= 2; i++) await pair(root, 'test/images', 'test/labels', `${i}`, 24);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const sources = [
    { images: 'training/images', masks: 'training/labels', idPrefix: 'train/' },
    { images: 'test/images', masks: 'test/labels', partition: 'test' as const, idPrefix: 'test/' },
  ];

  it('a pinned test folder and a ratio-split training folder, with per-partition sample sizes', async () => {
    const root = path.join(dir, 'drive');
    const data = await SegmentationDataset.create(await scanFolderLayout({ root, images: 'x', masks: 'x', ...patterns, sources }), opts({ patches: { size: 8, perImage: 2, foregroundRatio: 0.5, pad: true, partitions: ['train'] } }));
    assert.deepEqual(data.ids('train'), ['train/1', 'train/2', 'train/3']);
    assert.deepEqual(data.ids('val'), ['train/4']);
    assert.deepEqual(data.ids('test'), ['test/1', 'test/2']);
    assert.deepEqual(data.sampleSize('train'), [16, 16]);
    assert.deepEqual(data.sampleSize('test'), [24, 24]);
    assert.deepEqual(data.inputSize, [8, 8]);
    assert.equal(data.itemsPerEpoch('train'), 6);
    assert.equal(data.itemsPerEpoch('test'), 2);
  });

  it('pinned to train still honours labeledFraction; conflicting pins in one group are a problem', async () => {
    const items: SplitItem[] = Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, group: `t${i}`, fixedPartition: 'train' }));
    const { partitions, problems } = await assignPartitions(items, { ratios: { train: 1, val: 0, test: 0 }, shuffle: false, labeledFraction: 0.3 }, 0, '.');
    assert.deepEqual(problems, []);
    assert.equal(partitions.train.length, 3);
    assert.equal(partitions.unlabeled.length, 7);
    const torn = await assignPartitions([{ id: 'a', group: 'g', fixedPartition: 'train' }, { id: 'b', group: 'g', fixedPartition: 'test' }, { id: 'c', group: 'h' }], { ratios: { train: 1, val: 0, test: 0 }, shuffle: false, labeledFraction: 1 }, 0, '.');
    assert.match(torn.problems[0]!.message, /pinned to both 'train' and 'test'/);
    // An unpinned member follows its group's pin instead of straddling.
    const follow = await assignPartitions([{ id: 'a', group: 'g', fixedPartition: 'test' }, { id: 'b', group: 'g' }, { id: 'c', group: 'h' }], { ratios: { train: 1, val: 0, test: 0 }, shuffle: false, labeledFraction: 1 }, 0, '.');
    assert.deepEqual(follow.partitions.test, [0, 1]);
    assert.deepEqual(follow.partitions.train, [2]);
  });

  it('ids colliding across sources are one GF_DATA_INVALID naming both images', async () => {
    const root = path.join(dir, 'drive');
    const clash = sources.map(({ idPrefix: _p, ...s }) => s);
    const layout = await scanFolderLayout({ root, images: 'x', masks: 'x', ...patterns, sources: clash });
    const problem = layout.problems.find((p) => /also the id of/.test(p.message))!;
    assert.equal(path.relative(root, problem.file!), 'test/images/1.png');
    assert.match(problem.message, /training\/images\/1\.png/);
    try {
      await SegmentationDataset.create(layout, opts());
      assert.fail('built despite colliding ids');
    } catch (e) {
      assert.ok(isGraphFlowError(e));
      assert.equal(e.code, 'GF_DATA_INVALID');
      assert.equal(e.problems.filter((p) => /also the id of/.test(p.message)).length, 2);
    }
    // Per-source patterns are checked at their pointer before any work.
    assert.deepEqual(folderDataset.rules!({ root, images: 'x', masks: 'x', ...patterns, sources: [{ images: 'a', masks: 'b', maskPattern: '(' }] } as never).map((v) => v.pointer), ['/sources/0/maskPattern']);
  });

  it('symbolic links to files are followed; a broken link is a problem naming it', async () => {
    const root = path.join(dir, 'linked');
    await fs.mkdir(path.join(root, 'images'), { recursive: true });
    await fs.mkdir(path.join(root, 'masks'), { recursive: true });
    const real = path.join(dir, 'drive', 'training');
    for (const i of [1, 2, 3]) {
      await fs.symlink(path.join(real, 'images', `${i}.png`), path.join(root, 'images', `${i}.png`));
      await fs.symlink(path.join(real, 'labels', `${i}_mask.png`), path.join(root, 'masks', `${i}_mask.png`));
    }
    const data = await SegmentationDataset.create(await scanFolderLayout({ root, images: 'images', masks: 'masks', ...patterns }), opts({ split: { ratios: { train: 1, val: 0, test: 0 }, shuffle: false, labeledFraction: 1 } }));
    assert.deepEqual(data.ids('train'), ['1', '2', '3']);
    await fs.symlink(path.join(real, 'images', 'gone.png'), path.join(root, 'images', '4.png'));
    const scan = await scanFolderLayout({ root, images: 'images', masks: 'masks', ...patterns });
    assert.equal(scan.entries.length, 3);
    assert.equal(scan.problems.length, 1);
    assert.equal(scan.problems[0]!.file, path.join(root, 'images', '4.png'));
    assert.match(scan.problems[0]!.message, /broken symbolic link/);
  });

  it('with split lists, an unpaired file no list names is a warning; a listed one stays fatal', async () => {
    const root = path.join(dir, 'stray');
    for (const id of ['a', 'b', 'c']) await pair(root, 'images', 'masks', id, 16);
    await writeImage(path.join(root, 'images', 'preview.png'), new Uint8Array(256), 16, 16, 'png');
    const layout = { root, images: 'images', masks: 'masks', ...patterns };
    const split = { ratios: { train: 1, val: 0, test: 0 }, shuffle: false, labeledFraction: 1, lists: { train: ['a', 'b'], test: ['c'] } };
    const { logger, seen } = warnings();
    const data = await SegmentationDataset.create(await scanFolderLayout(layout), opts({ split }), { logger });
    assert.deepEqual(data.ids('train'), ['a', 'b']);
    const warning = seen.find((w) => /not in any split list/.test(w.msg ?? ''))!;
    assert.deepEqual((warning.obj as { files: string[] }).files, [path.join(root, 'images', 'preview.png')]);
    try {
      await SegmentationDataset.create(await scanFolderLayout(layout), opts({ split: { ...split, lists: { train: ['a', 'b', 'preview'], test: ['c'] } } }));
      assert.fail('built although a listed image has no mask');
    } catch (e) {
      assert.ok(isGraphFlowError(e));
      assert.ok(e.problems.some((p) => p.file === path.join(root, 'images', 'preview.png') && /no mask/.test(p.message)));
    }
    // Without lists, strict mode still fails on it as before.
    await assert.rejects(async () => SegmentationDataset.create(await scanFolderLayout(layout), opts()), /image has no mask/);
  });
});
