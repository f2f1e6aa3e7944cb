import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError, isGraphFlowError } from '@graphflow/core';
import { scanFolderLayout, SegmentationDataset, withDatasetDefaults, type DatasetOptions } from '../src/index';
import { squarePair, tempDir, writeImage } from './fixtures';

const S = 16;
const layout = { images: 'images', masks: 'masks', imagePattern: '^(.+)\\.png$', maskPattern: '^(.+)\\.png$' };
const options = (o: Partial<DatasetOptions> = {}): DatasetOptions => withDatasetDefaults({ numClasses: 2, mask: { mode: 'index' }, split: { ratios: { train: 1, val: 0, test: 0 }, shuffle: false, labeledFraction: 1 }, ...o });

async function goodPair(root: string, id: string, size = S): Promise<void> {
  const { image, mask } = squarePair(size, 2, 8);
  await writeImage(path.join(root, 'images', `${id}.png`), image, size, size, 'png');
  // Class-index masks (0/1), so the index encoding accepts them.
  await writeImage(path.join(root, 'masks', `${id}.png`), mask.map((v) => (v ? 1 : 0)), size, size, 'png');
}

async function buildError(root: string, o: Partial<DatasetOptions> = {}): Promise<GraphFlowError> {
  try {
    await SegmentationDataset.create(await scanFolderLayout({ root, ...layout }), options(o));
  } catch (e) {
    assert.ok(isGraphFlowError(e), `expected a GraphFlowError, got ${String(e)}`);
    return e as GraphFlowError;
  }
  assert.fail('the dataset was built despite bad data');
}

describe('bad data is reported before any training, naming every file', () => {
  let dir: string;
  let root: string;
  before(async () => {
    dir = await tempDir('bad');
    root = path.join(dir, 'mixed');
    await goodPair(root, 'ok1');
    await goodPair(root, 'ok2');
    // corrupt image
    await goodPair(root, 'corrupt');
    await fs.writeFile(path.join(root, 'images', 'corrupt.png'), 'this is not a PNG');
    // image without mask, mask without image
    await writeImage(path.join(root, 'images', 'lonely.png'), new Uint8Array(S * S), S, S, 'png');
    await writeImage(path.join(root, 'masks', 'orphan.png'), new Uint8Array(S * S), S, S, 'png');
    // size mismatch
    await goodPair(root, 'mismatch');
    await writeImage(path.join(root, 'masks', 'mismatch.png'), new Uint8Array(8 * 8), 8, 8, 'png');
    // class values out of range (index encoding with 2 classes): a 3 and a 7
    await goodPair(root, 'classes');
    await writeImage(path.join(root, 'masks', 'classes.png'), Uint8Array.from({ length: S * S }, (_, i) => (i === 5 ? 3 : i === 9 ? 7 : i % 2)), S, S, 'png');
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('strict: one GF_DATA_INVALID listing all offending files', async () => {
    const err = await buildError(root);
    assert.equal(err.code, 'GF_DATA_INVALID');
    assert.equal(err.exitCode, 2);
    const byFile = new Map(err.problems.map((p) => [path.relative(root, p.file ?? ''), p.message]));
    assert.deepEqual([...byFile.keys()].sort(), ['images/corrupt.png', 'images/lonely.png', 'masks/classes.png', 'masks/mismatch.png', 'masks/orphan.png']);
    assert.match(byFile.get('images/lonely.png')!, /image has no mask/);
    assert.match(byFile.get('masks/orphan.png')!, /mask has no image/);
    assert.match(byFile.get('images/corrupt.png')!, /cannot decode image/);
    assert.match(byFile.get('masks/mismatch.png')!, /mask is 8×8 but its image .* is 16×16/);
    assert.match(byFile.get('masks/classes.png')!, /outside the 2 declared classes .*: 3, 7/);
    assert.ok(err.problems.every((p) => p.code === 'GF_DATA_INVALID'));
    assert.match(err.message, /problem\(s\) in \d+ file\(s\)/);
  });

  it('strict: false skips bad pairs and lists each of them', async () => {
    const data = await SegmentationDataset.create(await scanFolderLayout({ root, ...layout }), options({ strict: false }));
    assert.deepEqual(data.ids('train'), ['ok1', 'ok2']);
    const skipped = data.skipped().flatMap((s) => s.files.map((f) => path.relative(root, f)));
    assert.deepEqual(skipped.sort(), ['images/corrupt.png', 'images/lonely.png', 'masks/classes.png', 'masks/mismatch.png', 'masks/orphan.png']);
  });

  it('an empty dataset is an error naming the folder', async () => {
    const empty = path.join(dir, 'empty');
    await fs.mkdir(path.join(empty, 'images'), { recursive: true });
    await fs.mkdir(path.join(empty, 'masks'), { recursive: true });
    const err = await buildError(empty);
    assert.equal(err.problems[0]!.file, path.resolve(empty));
    assert.match(err.problems[0]!.message, /found no image\/mask pairs/);
  });

  it('a missing folder is an error naming it', async () => {
    const err = await buildError(path.join(dir, 'nope'));
    assert.ok(err.problems.some((p) => p.file === path.join(dir, 'nope', 'images') && /ENOENT/.test(p.message)));
  });

  it('a split that leaves a partition empty is an error', async () => {
    const small = path.join(dir, 'small');
    await goodPair(small, 'a');
    await goodPair(small, 'b');
    const err = await buildError(small, { split: { ratios: { train: 0.8, val: 0.1, test: 0.1 }, shuffle: true, labeledFraction: 1 } });
    assert.ok(err.problems.some((p) => /partition 'val' empty/.test(p.message) && p.pointer === '/split'));
  });

  it('two images with one pairing key are reported, not silently paired twice', async () => {
    const dup = path.join(dir, 'dup');
    await goodPair(dup, 'a');
    await writeImage(path.join(dup, 'images', 'a.tif'), new Uint8Array(S * S), S, S, 'tiff-lzw');
    const err = await SegmentationDataset.create(await scanFolderLayout({ root: dup, ...layout, imagePattern: '^(.+)\\.(?:png|tif)$' }), options()).then(
      () => assert.fail('built'),
      (e: GraphFlowError) => e,
    );
    assert.deepEqual(err.problems.map((p) => [path.relative(dup, p.file!), p.message]), [['images/a.tif', "another image already has the pairing key 'a'"]]);
  });

  it('non-uniform image sizes without `size` name the odd files', async () => {
    const sizes = path.join(dir, 'sizes');
    await goodPair(sizes, 'a');
    await goodPair(sizes, 'b');
    await goodPair(sizes, 'odd', 12);
    const err = await buildError(sizes);
    assert.equal(err.problems.length, 1);
    assert.equal(path.basename(err.problems[0]!.file!), 'odd.png');
    assert.match(err.problems[0]!.message, /image is 12x12 .* most images are 16x16/);
    // With a target size the same data loads.
    const data = await SegmentationDataset.create(await scanFolderLayout({ root: sizes, ...layout }), options({ size: 16 }));
    assert.equal(data.size('train'), 3);
  });
});
