import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isGraphFlowError, Rng, type Sample } from '@graphflow/core';
import {
  busiDataset,
  datasetRules,
  erodeRegion,
  folderDataset,
  FlipTransform,
  resizeNearest,
  RotateTransform,
  scanFolderLayout,
  SegmentationDataset,
  withDatasetDefaults,
  type DatasetOptions,
} from '../src/index';
import { tempDir, writeImage } from './fixtures';

const S = 40;
/** 1 inside the round field of view of radius 15 around the centre. */
const inFov = (y: number, x: number): boolean => (y - 19.5) ** 2 + (x - 19.5) ** 2 <= 15 * 15;

/** An RGB fundus-like image: red 120 inside the round FOV, 5 outside; green and blue are bright everywhere (so only red tells). */
function fundus(): Uint8Array {
  const px = new Uint8Array(S * S * 3);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const o = (y * S + x) * 3;
      px[o] = inFov(y, x) ? 120 : 5;
      px[o + 1] = 200;
      px[o + 2] = 90;
    }
  }
  return px;
}

function fovRegion(): Uint8Array {
  return Uint8Array.from({ length: S * S }, (_, k) => (inFov(Math.floor(k / S), k % S) ? 1 : 0));
}

/** A vessel-like mask: a vertical line through the centre. */
function vessel(): Uint8Array {
  return Uint8Array.from({ length: S * S }, (_, k) => (k % S === 20 ? 255 : 0));
}

const flat = { images: '.', masks: '.', imagePattern: '^(img\\d+)\\.png$', maskPattern: '^(img\\d+)_mask\\.png$' };
const base = (o: Partial<DatasetOptions> = {}): DatasetOptions =>
  withDatasetDefaults({ numClasses: 2, channels: 3, split: { ratios: { train: 1, val: 0, test: 0 }, shuffle: false, labeledFraction: 1 }, ...o });

async function samples(data: SegmentationDataset): Promise<Sample[]> {
  const out: Sample[] = [];
  for await (const s of data.samples('train')) out.push(s);
  return out;
}

async function buildError(build: () => Promise<unknown>): Promise<{ code: string; problems: { file?: string; message: string; pointer?: string }[] }> {
  try {
    await build();
  } catch (e) {
    assert.ok(isGraphFlowError(e), String(e));
    return e;
  }
  assert.fail('built despite bad data');
}

describe('regions of interest and ignored labels', () => {
  let dir: string;
  before(async () => {
    await tf.setBackend('cpu');
    dir = await tempDir('roi');
    const root = path.join(dir, 'fundus');
    for (const id of ['img1', 'img2']) {
      await writeImage(path.join(root, `${id}.png`), fundus(), S, S, 'png', 3);
      await writeImage(path.join(root, `${id}_mask.png`), vessel(), S, S, 'png1');
    }
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('threshold: the red channel above `above` is the round FOV; samples and batches carry it', async () => {
    const root = path.join(dir, 'fundus');
    const data = await SegmentationDataset.create(await scanFolderLayout({ root, ...flat }), base({ roi: { mode: 'threshold', channel: 0, above: 20 } }));
    const [s] = await samples(data);
    assert.deepEqual([...s!.roi!], [...fovRegion()]);
    // The green channel is bright everywhere: thresholding it would keep every pixel.
    const green = await SegmentationDataset.create(await scanFolderLayout({ root, ...flat }), base({ roi: { mode: 'threshold', channel: 1, above: 20 } }));
    assert.equal((await samples(green))[0]!.roi!.reduce((a, v) => a + v, 0), S * S);
    for await (const b of data.batches('train', { batchSize: 2, shuffle: false, augment: false, epoch: 0 })) {
      assert.deepEqual(b.roi!.shape, [2, S, S]);
      assert.equal(b.roi!.dtype, 'float32');
      assert.deepEqual([...b.roi!.dataSync().subarray(0, S * S)], [...fovRegion()]);
      tf.dispose([b.images, b.labels!, b.roi!]);
    }
    // Without an ROI, batches have none.
    const plain = await SegmentationDataset.create(await scanFolderLayout({ root, ...flat }), base());
    for await (const b of plain.batches('train', { batchSize: 2, shuffle: false, augment: false, epoch: 0 })) {
      assert.equal(b.roi, undefined);
      tf.dispose([b.images, b.labels!]);
    }
    assert.equal((await samples(plain))[0]!.roi, undefined);
  });

  it('threshold: erode shrinks the FOV; a fixed size resizes it by nearest neighbour with the mask', async () => {
    const root = path.join(dir, 'fundus');
    const eroded = (await samples(await SegmentationDataset.create(await scanFolderLayout({ root, ...flat }), base({ roi: { mode: 'threshold', above: 20, erode: 2 } }))))[0]!.roi!;
    const full = fovRegion();
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        let all = true;
        for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) if (y + dy >= 0 && y + dy < S && x + dx >= 0 && x + dx < S && !full[(y + dy) * S + (x + dx)]) all = false;
        assert.equal(eroded[y * S + x], all ? 1 : 0, `pixel ${y},${x}`);
      }
    }
    assert.deepEqual([...erodeRegion(full, S, S, 0)], [...full]);
    const small = (await samples(await SegmentationDataset.create(await scanFolderLayout({ root, ...flat }), base({ size: 20, roi: { mode: 'threshold', above: 20 } }))))[0]!;
    assert.deepEqual([...small.roi!], [...resizeNearest(full, S, S, 20, 20)]);
  });

  it('patches stay inside the ROI: uniform patches are centred on an ROI pixel, padding and outside count 0', async () => {
    const root = path.join(dir, 'fundus');
    const data = await SegmentationDataset.create(
      await scanFolderLayout({ root, ...flat }),
      base({ normalization: { mode: 'none' }, roi: { mode: 'threshold', above: 20 }, patches: { size: 8, perImage: 50, foregroundRatio: 0, pad: true, partitions: ['train', 'unlabeled'] } }),
    );
    let n = 0;
    for await (const b of data.batches('train', { batchSize: 10, shuffle: true, augment: false, epoch: 0 })) {
      const roi = b.roi!.dataSync();
      const img = b.images.dataSync();
      for (let k = 0; k < b.ids.length; k++) {
        assert.equal(roi[k * 64 + 4 * 8 + 4], 1, 'centre inside the FOV');
        // roi 1 exactly where the red channel is the FOV's 120.
        for (let j = 0; j < 64; j++) assert.equal(roi[k * 64 + j], img[(k * 64 + j) * 3] === 120 ? 1 : 0);
        n++;
      }
      tf.dispose([b.images, b.labels!, b.roi!]);
    }
    assert.equal(n, 100);
  });

  it('files: ROI masks pair by key; missing or mis-sized ROI files are reported with the other problems', async () => {
    const root = path.join(dir, 'fov-files');
    for (const id of ['img1', 'img2', 'img3', 'img4']) {
      await writeImage(path.join(root, 'images', `${id}.png`), fundus(), S, S, 'png', 3);
      await writeImage(path.join(root, 'masks', `${id}.png`), vessel(), S, S, 'png1');
    }
    // A quarter of the image as ROI, 1-bit like the masks.
    const quarter = Uint8Array.from({ length: S * S }, (_, k) => (k % S < 20 && k < (S * S) / 2 ? 255 : 0));
    await writeImage(path.join(root, 'fov', 'img1_fov.png'), quarter, S, S, 'png1');
    await writeImage(path.join(root, 'fov', 'img2_fov.png'), quarter, S, S, 'png1');
    await writeImage(path.join(root, 'fov', 'img3_fov.png'), quarter, S, S, 'png1');
    await writeImage(path.join(root, 'fov', 'img4_fov.png'), quarter, S, S, 'png1');
    const layout = { root, images: 'images', masks: 'masks', imagePattern: '^(.+)\\.png$', maskPattern: '^(.+)\\.png$' };
    const roi = { mode: 'files' as const, dir: 'fov', pattern: '^(.+)_fov\\.png$' };
    const data = await SegmentationDataset.create(await scanFolderLayout({ ...layout, roi }), base({ roi }));
    const got = await samples(data);
    assert.equal(got.length, 4);
    for (const s of got) assert.deepEqual([...s.roi!], [...quarter].map((v) => (v ? 1 : 0)));

    await fs.rm(path.join(root, 'fov', 'img2_fov.png'));
    await writeImage(path.join(root, 'fov', 'img3_fov.png'), new Uint8Array(30 * 30), 30, 30, 'png');
    await writeImage(path.join(root, 'masks', 'img1.png'), new Uint8Array(8 * 8), 8, 8, 'png');
    const err = await buildError(async () => SegmentationDataset.create(await scanFolderLayout({ ...layout, roi }), base({ roi })));
    assert.equal(err.code, 'GF_DATA_INVALID');
    const byFile = new Map(err.problems.map((p) => [path.relative(root, p.file ?? ''), p.message]));
    assert.deepEqual([...byFile.keys()].sort(), ['fov/img3_fov.png', 'images/img2.png', 'masks/img1.png']);
    assert.match(byFile.get('images/img2.png')!, /no ROI file/);
    assert.match(byFile.get('fov/img3_fov.png')!, /ROI file is 30×30 but its image .*img3\.png is 40×40/);
  });

  it('ignore value: pixels carrying it become class 0 and roi 0 instead of failing the class check', async () => {
    const root = path.join(dir, 'ignore');
    const mask = Uint8Array.from({ length: S * S }, (_, k) => (k < S ? 255 : k % 3 === 0 ? 1 : 0));
    for (const id of ['a', 'b']) {
      await writeImage(path.join(root, 'images', `${id}.png`), new Uint8Array(S * S).fill(100), S, S, 'png');
      await writeImage(path.join(root, 'masks', `${id}.png`), mask, S, S, 'png');
    }
    const layout = { root, images: 'images', masks: 'masks', imagePattern: '^(.+)\\.png$', maskPattern: '^(.+)\\.png$' };
    const failing = await buildError(async () => SegmentationDataset.create(await scanFolderLayout(layout), base({ channels: 1, mask: { mode: 'index' } })));
    assert.match(failing.problems[0]!.message, /255/);

    const data = await SegmentationDataset.create(await scanFolderLayout(layout), base({ channels: 1, mask: { mode: 'index', ignore: 255 }, split: { ratios: { train: 1, val: 0, test: 0 }, shuffle: false, labeledFraction: 0.5 } }));
    const [s] = await samples(data);
    assert.deepEqual([...s!.mask!], [...mask].map((v) => (v === 1 ? 1 : 0)));
    assert.deepEqual([...s!.roi!], [...mask].map((v) => (v === 255 ? 0 : 1)));
    // The unlabeled partition reads no mask, so nothing is known to be ignored there; its batches still carry roi.
    for await (const b of data.batches('unlabeled', { batchSize: 1, shuffle: false, augment: false, epoch: 0 })) {
      assert.equal(b.labels, undefined);
      assert.equal(b.roi!.sum().dataSync()[0], S * S);
      tf.dispose([b.images, b.roi!]);
    }
  });

  it('geometric transforms move the roi with the image; pixels brought in from outside do not count', () => {
    const sample: Sample = { id: 's', group: 's', height: 4, width: 4, channels: 1, image: new Float32Array(16), mask: new Uint8Array(16), roi: Uint8Array.from({ length: 16 }, (_, k) => (k % 4 === 0 ? 1 : 0)) };
    const flipped = new FlipTransform({ horizontal: 1, vertical: 0 }).apply(sample, new Rng(1));
    assert.deepEqual([...flipped.roi!], Array.from({ length: 16 }, (_, k) => (k % 4 === 3 ? 1 : 0)));
    const all: Sample = { ...sample, roi: new Uint8Array(16).fill(1) };
    const rotated = new RotateTransform({ degrees: [45, 45], p: 1, interpolation: 'nearest' }).apply(all, new Rng(1));
    assert.ok(rotated.roi![0] === 0 && rotated.roi![5] === 1, 'corners come from outside, the centre stays');
  });

  it('option rules: files mode only where ROI files pair; threshold needs `above`; ignore fits its encoding', () => {
    assert.deepEqual(datasetRules({ roi: { mode: 'threshold' } as never }).map((v) => v.pointer), ['/roi/above']);
    assert.deepEqual(busiDataset.rules!({ roi: { mode: 'files', dir: 'fov' } } as never).map((v) => v.pointer), ['/roi/mode']);
    assert.deepEqual(folderDataset.rules!({ imagePattern: '^(.+)$', maskPattern: '^(.+)$', roi: { mode: 'files', dir: 'fov', pattern: 'nogroup' } } as never).map((v) => v.pointer), ['/roi/pattern']);
    assert.deepEqual(datasetRules({ mask: { mode: 'palette', palette: [[0, 0, 0], [255, 0, 0]], ignore: 255 } as never, numClasses: 2 }).map((v) => v.pointer), ['/mask/ignore']);
    assert.deepEqual(datasetRules({ mask: { mode: 'index', ignore: 255 } }), []);
  });

  it('the disk cache stores the roi and keys it by the ROI file', async () => {
    const root = path.join(dir, 'cache-roi');
    const cacheDir = path.join(dir, 'cache-roi-store');
    await writeImage(path.join(root, 'images', 'a.png'), fundus(), S, S, 'png', 3);
    await writeImage(path.join(root, 'masks', 'a.png'), vessel(), S, S, 'png1');
    const half = (left: boolean): Uint8Array => Uint8Array.from({ length: S * S }, (_, k) => ((k % S < 20) === left ? 255 : 0));
    await writeImage(path.join(root, 'fov', 'a.png'), half(true), S, S, 'png1');
    const roi = { mode: 'files' as const, dir: 'fov' };
    const layout = { root, images: 'images', masks: 'masks', imagePattern: '^(.+)\\.png$', maskPattern: '^(.+)\\.png$', roi };
    const make = async (): Promise<Sample> => (await samples(await SegmentationDataset.create(await scanFolderLayout(layout), base({ roi, cacheDir }))))[0]!;
    const first = await make();
    assert.equal(first.roi![0], 1);
    assert.equal((await fs.readdir(cacheDir)).length, 1);
    assert.deepEqual([...(await make()).roi!], [...first.roi!], 'served from the cache');
    // A changed ROI file must not be served stale (its mtime/size is part of the key).
    await new Promise((r) => setTimeout(r, 20));
    await writeImage(path.join(root, 'fov', 'a.png'), half(false), S, S, 'png1');
    const changed = await make();
    assert.equal(changed.roi![0], 0);
    assert.equal(changed.roi![S - 1], 1);
  });
});
