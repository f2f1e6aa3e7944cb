import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { isGraphFlowError, type Batch, type BatchOptions, type Partition } from '@graphflow/core';
import { datasetRules, FlipTransform, SegmentationDataset, withDatasetDefaults, type DatasetOptions, type LayoutScan, type PatchOptions, type SampleEntry } from '../src/index';
import { tempDir } from './fixtures';

/**
 * In-memory entries whose pixel value is its position (y·w + x), so every patch tells where it was cut from;
 * the mask is a small square (rows/cols fg[0]..fg[1]) of foreground.
 */
function positionalLayout(sizes: [number, number][], fg: [number, number] = [28, 36]): LayoutScan {
  const entries: SampleEntry[] = sizes.map(([h, w], i) => ({
    id: `p${i}`,
    group: `p${i}`,
    imageFile: `memory:p${i}`,
    maskFiles: [`memory:p${i}#mask`],
    readImage: async () => ({ width: w, height: h, channels: 1, data: Float32Array.from({ length: h * w }, (_, k) => k), maxValue: null, file: `memory:p${i}` }),
    readMasks: async () => [
      {
        width: w,
        height: h,
        channels: 1,
        data: Float32Array.from({ length: h * w }, (_, k) => {
          const y = Math.floor(k / w);
          const x = k % w;
          return y >= fg[0] && y < fg[1] && x >= fg[0] && x < fg[1] ? 1 : 0;
        }),
        maxValue: null,
        file: `memory:p${i}#mask`,
      },
    ],
  }));
  return { root: 'memory:', entries, problems: [] };
}

const P = 16;
const options = (patches: Partial<PatchOptions>, o: Partial<DatasetOptions> = {}): DatasetOptions =>
  withDatasetDefaults({
    numClasses: 2,
    mask: { mode: 'index' },
    normalization: { mode: 'none' },
    cache: true,
    split: { ratios: { train: 1, val: 0, test: 0 }, shuffle: false, labeledFraction: 1 },
    patches: { size: P, perImage: 100, foregroundRatio: 0.5, pad: true, partitions: ['train', 'unlabeled'], ...patches },
    ...o,
  });

async function collect(data: SegmentationDataset, o: Partial<BatchOptions> = {}, partition: Partition = 'train'): Promise<{ images: Float32Array[]; labels: Int32Array[]; roi: Float32Array[]; ids: string[] }> {
  const out = { images: [] as Float32Array[], labels: [] as Int32Array[], roi: [] as Float32Array[], ids: [] as string[] };
  for await (const b of data.batches(partition, { batchSize: 8, shuffle: true, augment: false, epoch: 0, ...o })) {
    const n = b.ids.length;
    const [, h, w, c] = b.images.shape;
    const img = b.images.dataSync() as Float32Array;
    const lab = b.labels?.dataSync() as Int32Array | undefined;
    const roi = b.roi?.dataSync() as Float32Array | undefined;
    for (let k = 0; k < n; k++) {
      out.images.push(img.slice(k * h * w * c, (k + 1) * h * w * c));
      if (lab) out.labels.push(lab.slice(k * h * w, (k + 1) * h * w));
      if (roi) out.roi.push(roi.slice(k * h * w, (k + 1) * h * w));
    }
    out.ids.push(...b.ids);
    dispose(b);
  }
  return out;
}

function dispose(b: Batch): void {
  tf.dispose([b.images, ...(b.labels ? [b.labels] : []), ...(b.roi ? [b.roi] : [])]);
}

describe('patch-based training', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('reports patch size, items per epoch and whole-sample sizes per partition', async () => {
    const data = await SegmentationDataset.create(positionalLayout([[64, 64], [64, 64], [64, 64], [64, 64]]), options({ perImage: 3 }, { split: { ratios: { train: 3, val: 1, test: 0 }, shuffle: false, labeledFraction: 1 } }));
    assert.deepEqual(data.inputSize, [P, P]);
    assert.equal(data.size('train'), 3);
    assert.equal(data.itemsPerEpoch('train'), 9);
    // val is not patched: one item per image, whole 64×64 images.
    assert.equal(data.itemsPerEpoch('val'), 1);
    assert.deepEqual(data.sampleSize('train'), [64, 64]);
    const val = await collect(data, { shuffle: false }, 'val');
    assert.equal(val.images.length, 1);
    assert.equal(val.images[0]!.length, 64 * 64);
    const train = await collect(data);
    assert.equal(train.images.length, 9);
    assert.deepEqual(train.ids.slice().sort(), ['p0', 'p0', 'p0', 'p1', 'p1', 'p1', 'p2', 'p2', 'p2']);
  });

  it('patches are exact cuts with their mask, and foregroundRatio of them are centred on foreground', async () => {
    const data = await SegmentationDataset.create(positionalLayout([[64, 64], [64, 64], [64, 64], [64, 64]]), options({ perImage: 100 }));
    const { images, labels } = await collect(data);
    assert.equal(images.length, 400);
    let centred = 0;
    images.forEach((img, k) => {
      const top = Math.floor(img[0]! / 64);
      const left = img[0]! % 64;
      assert.ok(top >= 0 && top <= 64 - P && left >= 0 && left <= 64 - P, `patch at ${top},${left} leaves the image`);
      for (let y = 0; y < P; y++) {
        for (let x = 0; x < P; x++) {
          const sy = top + y;
          const sx = left + x;
          assert.equal(img[y * P + x], sy * 64 + sx);
          assert.equal(labels[k]![y * P + x], sy >= 28 && sy < 36 && sx >= 28 && sx < 36 ? 1 : 0);
        }
      }
      if (labels[k]![(P / 2) * P + P / 2] === 1) centred++;
    });
    // Uniform patches hit the 8×8 square's centre 1.6% of the time, so ≈ 0.5 + 0.5·0.016.
    assert.ok(Math.abs(centred / 400 - 0.5) <= 0.1, `foreground-centred fraction ${centred / 400}`);

    const none = await collect(await SegmentationDataset.create(positionalLayout([[64, 64], [64, 64], [64, 64], [64, 64]]), options({ foregroundRatio: 0 })));
    const noneCentred = none.labels.filter((l) => l[(P / 2) * P + P / 2] === 1).length / 400;
    assert.ok(noneCentred < 0.06, `uniform patches centred on foreground ${noneCentred}`);
    const all = await collect(await SegmentationDataset.create(positionalLayout([[64, 64], [64, 64], [64, 64], [64, 64]]), options({ foregroundRatio: 1 })));
    assert.equal(all.labels.filter((l) => l[(P / 2) * P + P / 2] === 1).length, 400);
  });

  it('seeded: same seed gives the same patches in a new instance and with any prefetch; another seed or epoch differs', async () => {
    const layout = (): LayoutScan => positionalLayout([[64, 64], [64, 64], [48, 40]]);
    const make = (seed: number, cache = true): Promise<SegmentationDataset> => SegmentationDataset.create(layout(), options({ perImage: 5 }, { seed, cache }));
    const a = await collect(await make(3), { prefetch: 0 });
    const b = await collect(await make(3, false), { prefetch: 3 });
    assert.deepEqual(b.images, a.images);
    assert.deepEqual(b.ids, a.ids);
    const again = await make(3);
    assert.deepEqual((await collect(again, { epoch: 1 })).images, (await collect(again, { epoch: 1, prefetch: 0 })).images);
    assert.notDeepEqual((await collect(again, { epoch: 1 })).images, a.images);
    assert.notDeepEqual((await collect(await make(4))).images, a.images);
  });

  it('a replayed epoch skipping the used batches continues exactly (resume)', async () => {
    const data = await SegmentationDataset.create(positionalLayout([[64, 64], [64, 64], [64, 64]]), options({ perImage: 4 }, { seed: 11 }));
    const full: number[][] = [];
    for await (const b of data.batches('train', { batchSize: 3, shuffle: true, augment: false, epoch: 2 })) {
      full.push([...b.images.dataSync()]);
      dispose(b);
    }
    assert.equal(full.length, 4);
    const resumed: number[][] = [];
    let i = 0;
    for await (const b of data.batches('train', { batchSize: 3, shuffle: true, augment: false, epoch: 2, prefetch: 1 })) {
      if (i++ >= 2) resumed.push([...b.images.dataSync()]);
      dispose(b);
    }
    assert.deepEqual(resumed, full.slice(2));
  });

  it('augmentation runs on the patch, after cutting (same positions as without it)', async () => {
    const data = await SegmentationDataset.create(positionalLayout([[64, 64], [64, 64]]), options({ perImage: 3 }), { transforms: [new FlipTransform({ horizontal: 1, vertical: 0 })] });
    const plain = await collect(data);
    const flipped = await collect(data, { augment: true });
    flipped.images.forEach((img, k) => {
      for (let y = 0; y < P; y++) for (let x = 0; x < P; x++) assert.equal(img[y * P + x], plain.images[k]![y * P + (P - 1 - x)]);
    });
  });

  it('images smaller than the patch are padded with image 0, mask 0 and roi 0; pad: false fails at create()', async () => {
    const data = await SegmentationDataset.create(positionalLayout([[10, 12], [64, 64]], [2, 6]), options({ perImage: 6, foregroundRatio: 0 }));
    const { images, labels, roi, ids } = await collect(data, { shuffle: false });
    assert.equal(roi.length, images.length, 'padding makes batches carry roi');
    ids.forEach((id, k) => {
      const counted = roi[k]!.reduce((s, v) => s + v, 0);
      if (id === 'p1') {
        assert.equal(counted, P * P);
        return;
      }
      assert.equal(counted, 10 * 12);
      // Every image pixel appears exactly once in the patch, inside the roi; everything else is 0.
      const seen = new Set<number>();
      for (let j = 0; j < P * P; j++) {
        if (roi[k]![j] === 1) seen.add(images[k]![j]!);
        else {
          assert.equal(images[k]![j], 0);
          assert.equal(labels[k]![j], 0);
        }
      }
      assert.equal(seen.size, 120);
      assert.equal(labels[k]!.reduce((s, v) => s + v, 0), 16, 'the 4×4 foreground square is inside');
    });

    try {
      await SegmentationDataset.create(positionalLayout([[10, 12], [64, 64]]), options({ pad: false }));
      assert.fail('built despite an image smaller than the patch');
    } catch (e) {
      assert.ok(isGraphFlowError(e));
      assert.equal(e.code, 'GF_DATA_INVALID');
      assert.equal(e.problems.length, 1);
      assert.equal(e.problems[0]!.file, 'memory:p0');
      assert.equal(e.problems[0]!.pointer, '/patches/size');
    }
    // With a fixed size the same is known from the options alone.
    assert.deepEqual(datasetRules({ size: 12, patches: { size: 16, pad: false } as PatchOptions }).map((v) => v.pointer), ['/patches/size']);
  });

  it('images of different sizes are allowed when patching; whole-image partitions report null and refuse to batch', async () => {
    const data = await SegmentationDataset.create(positionalLayout([[64, 64], [40, 48], [64, 64], [30, 64]]), options({ perImage: 2 }, { split: { ratios: { train: 2, val: 2, test: 0 }, shuffle: false, labeledFraction: 1 } }));
    assert.deepEqual(data.ids('train'), ['p0', 'p1']);
    assert.equal(data.sampleSize('train'), null);
    assert.equal(data.sampleSize('val'), null);
    const sizes: [number, number][] = [];
    for await (const s of data.samples('val')) sizes.push([s.height, s.width]);
    assert.deepEqual(sizes, [[64, 64], [30, 64]]);
    assert.equal((await collect(data)).images.length, 4);
    assert.throws(() => data.batches('val', { batchSize: 2, shuffle: false, augment: false, epoch: 0 }), /different sizes/);
  });

  it('the disk cache stores whole samples; patching after it gives the same patches', async () => {
    const dir = await tempDir('patch-cache');
    try {
      const make = (): Promise<SegmentationDataset> => SegmentationDataset.create(positionalLayout([[64, 64], [40, 48]]), options({ perImage: 4 }, { cache: false, cacheDir: dir }));
      const first = await collect(await make());
      const files = await fs.readdir(dir);
      assert.equal(files.length, 2, 'one whole sample per image, not per patch');
      assert.deepEqual((await collect(await make())).images, first.images);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('unlabeled patches: no labels, positions uniform; no tensors leak over epochs', async () => {
    const data = await SegmentationDataset.create(positionalLayout([[64, 64], [64, 64], [64, 64], [64, 64]]), options({ perImage: 4 }, { split: { ratios: { train: 1, val: 0, test: 0 }, shuffle: false, labeledFraction: 0.5 } }));
    assert.equal(data.itemsPerEpoch('unlabeled'), 8);
    const before = tf.memory().numTensors;
    for (let epoch = 0; epoch < 3; epoch++) {
      for await (const b of data.batches('unlabeled', { batchSize: 3, shuffle: true, augment: false, epoch })) {
        assert.equal(b.labels, undefined);
        assert.deepEqual(b.images.shape.slice(1), [P, P, 1]);
        dispose(b);
      }
      for await (const b of data.batches('train', { batchSize: 3, shuffle: true, augment: false, epoch, dropLast: true })) dispose(b);
    }
    assert.equal(tf.memory().numTensors, before);
  });
});
