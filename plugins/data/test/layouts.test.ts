import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Sample } from '@graphflow/core';
import {
  folderDataset,
  scanBusiLayout,
  scanCvcLayout,
  scanFolderLayout,
  scanKvasirLayout,
  scanSynapseLayout,
  SegmentationDataset,
  withDatasetDefaults,
  type FolderDatasetOptions,
} from '../src/index';
import { fakeContext, squarePair, tempDir, writeH5, writeImage, writeNpz } from './fixtures';

const S = 16;
const all = { ratios: { train: 1, val: 0, test: 0 }, shuffle: false, labeledFraction: 1 };

async function collect(data: SegmentationDataset, part: 'train' | 'test' = 'train'): Promise<Sample[]> {
  const out: Sample[] = [];
  for await (const s of data.samples(part)) out.push(s);
  return out;
}

const fg = (s: Sample): number => s.mask!.reduce((a, b) => a + b, 0);

describe('dataset layouts', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('layouts');
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('folder: same stem in two folders, different extensions, 16-bit images', async () => {
    const root = path.join(dir, 'folder');
    for (let i = 0; i < 3; i++) {
      const { image, mask } = squarePair(S, 4, 4 + 2 * (i + 1));
      await writeImage(path.join(root, 'images', `case${i}.tif`), Uint16Array.from(image, (v) => v * 257), S, S, 'png16');
      await writeImage(path.join(root, 'masks', `case${i}.gif`), mask, S, S, 'gif');
    }
    const data = await SegmentationDataset.create(await scanFolderLayout({ root, images: 'images', masks: 'masks', imagePattern: '^(.+)\\.tif$', maskPattern: '^(.+)\\.gif$' }), withDatasetDefaults({ numClasses: 2, split: all }));
    const samples = await collect(data);
    assert.deepEqual(samples.map((s) => s.id), ['case0', 'case1', 'case2']);
    assert.deepEqual(samples.map(fg), [4, 16, 36]);
    // unit normalization of a 16-bit file: 200·257/65535.
    assert.ok(Math.abs(samples[0]!.image[4 * S + 4]! - (200 * 257) / 65535) < 1e-6);
    assert.deepEqual(data.inputSize, [S, S]);
  });

  it('folder: one folder, `_mask` suffix, groups from a pattern, built through the component', async () => {
    const root = path.join(dir, 'suffix');
    for (const id of ['p01_a', 'p01_b', 'p02_a', 'p03_a']) {
      const { image, mask } = squarePair(S, 2, 10);
      await writeImage(path.join(root, `${id}.png`), image, S, S, 'png');
      await writeImage(path.join(root, `${id}_mask.png`), mask, S, S, 'png1');
    }
    const options: FolderDatasetOptions = {
      ...withDatasetDefaults({ numClasses: 2, size: [8, 8], split: { ratios: { train: 2, val: 0, test: 1 }, shuffle: false, labeledFraction: 1 } }),
      root,
      images: '.',
      masks: '.',
      imagePattern: '^(.+)\\.png$',
      maskPattern: '^(.+)_mask\\.png$',
      groupPattern: '^(p\\d+)_',
    };
    assert.deepEqual(folderDataset.rules!(options), []);
    const data = await folderDataset.create(options, fakeContext());
    assert.deepEqual(data.groups('train'), ['p01', 'p02']);
    assert.deepEqual(data.ids('train'), ['p01_a', 'p01_b', 'p02_a']);
    assert.deepEqual(data.ids('test'), ['p03_a']);
    const [s] = await collect(data, 'test');
    assert.deepEqual([s!.height, s!.width, s!.image.length, fg(s!)], [8, 8, 64, 16]);
  });

  it('folder rules: a pattern without capture group or invalid regex is reported at its pointer', () => {
    const o = { ...withDatasetDefaults({ numClasses: 2 }), root: '.', images: 'i', masks: 'm', imagePattern: '\\.png$', maskPattern: '([' } as FolderDatasetOptions;
    const v = folderDataset.rules!(o);
    assert.deepEqual(v.map((x) => x.pointer), ['/imagePattern', '/maskPattern']);
  });

  it('busi: class folders, `_mask` + `_mask_1` merged by union, class kept as metadata', async () => {
    const root = path.join(dir, 'busi');
    const a = squarePair(S, 0, 4);
    const b = squarePair(S, 10, 14);
    await writeImage(path.join(root, 'benign', 'benign (1).png'), a.image, S, S, 'png', 1);
    await writeImage(path.join(root, 'benign', 'benign (1)_mask.png'), a.mask, S, S, 'png');
    await writeImage(path.join(root, 'benign', 'benign (1)_mask_1.png'), b.mask, S, S, 'png');
    const rgb = Uint8Array.from({ length: S * S * 3 }, (_, i) => b.image[Math.floor(i / 3)]!);
    await writeImage(path.join(root, 'malignant', 'malignant (1).png'), rgb, S, S, 'png', 3);
    await writeImage(path.join(root, 'malignant', 'malignant (1)_mask.png'), b.mask, S, S, 'png');
    const data = await SegmentationDataset.create(await scanBusiLayout({ root, classes: [] }), withDatasetDefaults({ numClasses: 2, split: all }));
    const [benign, malignant] = await collect(data);
    assert.equal(benign!.id, 'benign/benign (1)');
    assert.equal(benign!.meta!.class, 'benign');
    assert.equal(malignant!.meta!.class, 'malignant');
    assert.equal(fg(benign!), 32, 'union of two 4×4 lesions');
    assert.equal(malignant!.channels, 1, 'RGB ultrasound converted to grey');
    assert.ok(Math.abs(malignant!.image[10 * S + 10]! - 200 / 255) < 1e-5);
  });

  it('cvc-clinicdb: Original/ + Ground Truth/ TIFF (LZW), RGB input, sequences as groups', async () => {
    const root = path.join(dir, 'cvc');
    for (let i = 1; i <= 4; i++) {
      const { image, mask } = squarePair(S, i, i + 4);
      const rgb = Uint8Array.from({ length: S * S * 3 }, (_, k) => (k % 3 === 0 ? image[Math.floor(k / 3)]! : 17));
      await writeImage(path.join(root, 'Original', `${i}.tif`), rgb, S, S, 'tiff-lzw', 3);
      await writeImage(path.join(root, 'Ground Truth', `${i}.tif`), mask, S, S, 'tiff-lzw');
    }
    const data = await SegmentationDataset.create(await scanCvcLayout({ root, sequences: [[1, 2], [3, 4]] }), withDatasetDefaults({ numClasses: 2, channels: 3, split: all }));
    assert.deepEqual(data.groups('train'), ['seq0', 'seq1']);
    const samples = await collect(data);
    assert.deepEqual(samples.map(fg), [16, 16, 16, 16]);
    assert.equal(samples[0]!.channels, 3);
    assert.ok(Math.abs(samples[0]!.image[(1 * S + 1) * 3 + 1]! - 17 / 255) < 1e-6, 'green channel kept');
  });

  it('kvasir: images/ + masks/ JPEG, masks thresholded despite compression noise', async () => {
    const root = path.join(dir, 'kvasir');
    const { image, mask } = squarePair(S, 3, 11);
    await writeImage(path.join(root, 'images', 'cju0qkwl35piu0993l0dewei2.jpg'), image, S, S, 'jpeg');
    await writeImage(path.join(root, 'masks', 'cju0qkwl35piu0993l0dewei2.jpg'), mask, S, S, 'jpeg');
    const data = await SegmentationDataset.create(await scanKvasirLayout({ root }), withDatasetDefaults({ numClasses: 2, mask: { mode: 'binary', threshold: 128 }, split: all }));
    const [s] = await collect(data);
    assert.deepEqual([...s!.mask!], [...mask].map((v) => (v ? 1 : 0)));
  });

  it('synapse: train_npz slices and test_vol_h5 volumes, per-volume grouping', async () => {
    const root = path.join(dir, 'synapse');
    const label = Float32Array.from({ length: S * S }, (_, i) => i % 9);
    for (const [c, z] of [['case0005', 0], ['case0005', 1], ['case0006', 0]] as const) {
      await writeNpz(path.join(root, 'train_npz', `${c}_slice${String(z).padStart(3, '0')}.npz`), { image: { data: new Float32Array(S * S).fill(0.25 + z / 10), shape: [S, S] }, label: { data: label, shape: [S, S] } });
    }
    const vol = Float32Array.from({ length: 3 * S * S }, (_, i) => Math.floor(i / (S * S)) / 4);
    await writeH5(path.join(root, 'test_vol_h5', 'case0001.npy.h5'), { image: { data: vol, shape: [3, S, S] }, label: { data: Float32Array.from({ length: 3 * S * S }, (_, i) => (i % S === 0 ? 8 : 0)), shape: [3, S, S] } });
    const scan = await scanSynapseLayout({ root, trainCases: ['case0005', 'case0006'], testCases: ['case0001'] });
    assert.deepEqual(scan.problems, []);
    const data = await SegmentationDataset.create(scan, withDatasetDefaults({ numClasses: 9, normalization: { mode: 'none' }, mask: { mode: 'index' }, split: all }));
    assert.deepEqual([data.size('train'), data.size('test')], [3, 3]);
    assert.deepEqual(data.groups('test'), ['case0001']);
    const train = await collect(data);
    assert.deepEqual(train.map((s) => [s.group, s.sliceIndex]), [['case0005', 0], ['case0005', 1], ['case0006', 0]]);
    assert.deepEqual([...train[1]!.mask!], [...label]);
    assert.ok(Math.abs(train[1]!.image[0]! - 0.35) < 1e-6);
    const test = await collect(data, 'test');
    assert.deepEqual(test.map((s) => s.sliceIndex), [0, 1, 2]);
    assert.deepEqual(test.map((s) => s.image[5]), [0, 0.25, 0.5]);
    assert.equal(fg(test[2]!), 8 * S);
  });

  it('synapse: a missing case or volume is reported by file', async () => {
    const root = path.join(dir, 'synapse');
    const scan = await scanSynapseLayout({ root, trainCases: ['case0005', 'case0040'], testCases: ['case0001', 'case0038'] });
    assert.equal(scan.problems.length, 2);
    assert.match(scan.problems[0]!.message, /training case case0040 has no slices/);
    assert.equal(scan.problems[0]!.file, path.join(root, 'train_npz'));
    assert.match(scan.problems[1]!.message, /cannot read test volume: ENOENT/);
    assert.equal(scan.problems[1]!.file, path.join(root, 'test_vol_h5', 'case0038.npy.h5'));
  });
});
