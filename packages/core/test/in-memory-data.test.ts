import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySegmentationData, isGraphFlowError, splitGroups, type Sample, type SampleTransform } from '../src';
import { datasetConformance } from '../src/testing';

function sample(id: string, group: string, value: number, withMask = true): Sample {
  const h = 4;
  const w = 6;
  const image = new Float32Array(h * w).map((_, i) => value + i / 100);
  const mask = withMask ? new Uint8Array(h * w).map((_, i) => (i % 3 === 0 ? 1 : 0)) : undefined;
  return { id, group, height: h, width: w, channels: 1, image, ...(mask ? { mask } : {}) };
}

// Flips left-right with probability 1/2: enough to show augmentation is seeded per epoch and position.
const flip: SampleTransform = {
  name: 'flip',
  apply(s, rng) {
    if (rng.next() < 0.5) return s;
    const image = new Float32Array(s.image.length);
    const mask = s.mask ? new Uint8Array(s.mask.length) : undefined;
    for (let r = 0; r < s.height; r++) {
      for (let c = 0; c < s.width; c++) {
        image[r * s.width + c] = s.image[r * s.width + (s.width - 1 - c)]!;
        if (mask) mask[r * s.width + c] = s.mask![r * s.width + (s.width - 1 - c)]!;
      }
    }
    return { ...s, image, ...(mask ? { mask } : {}) };
  },
};

function fixture(seed = 5): InMemorySegmentationData {
  return new InMemorySegmentationData({
    numClasses: 2,
    channels: 1,
    seed,
    source: 'dataset/fixture',
    transforms: [flip],
    partitions: {
      train: [sample('a', 'g1', 0), sample('b', 'g1', 1), sample('c', 'g2', 2)],
      val: [sample('d', 'g3', 3)],
      test: [sample('e', 'g4', 4)],
      unlabeled: [sample('u', 'g5', 5, false)],
    },
  });
}

datasetConformance({ label: 'InMemorySegmentationData', create: () => fixture(), partitions: ['train', 'val', 'test', 'unlabeled'] });

test('a sample that does not match the declaration fails at construction with GF_DATA_INVALID naming it', () => {
  const cases: [Partial<Sample>, RegExp][] = [
    [{ channels: 3 }, /train sample bad: 3 channels, the dataset declares 1/],
    [{ image: new Float32Array(5) }, /image holds 5 values, not 4×6×1/],
    [{ image: new Float32Array(24).fill(Number.NaN) }, /non-finite/],
    [{ mask: new Uint8Array(24).fill(2) }, /mask value 2 at pixel 0 is not a class below 2/],
    [{ mask: new Uint8Array(3) }, /mask holds 3 values/],
  ];
  for (const [change, message] of cases) {
    const bad = { ...sample('bad', 'g', 0), ...change };
    assert.throws(
      () => new InMemorySegmentationData({ numClasses: 2, channels: 1, seed: 1, partitions: { train: [bad] } }),
      (e: unknown) => isGraphFlowError(e) && e.code === 'GF_DATA_INVALID' && message.test(e.message),
    );
  }
  const noMask = sample('m', 'g', 0, false);
  assert.throws(() => new InMemorySegmentationData({ numClasses: 2, channels: 1, seed: 1, partitions: { val: [noMask] } }), /val sample m: no mask/);
  const masked = sample('u', 'g', 0);
  assert.throws(() => new InMemorySegmentationData({ numClasses: 2, channels: 1, seed: 1, partitions: { unlabeled: [masked] } }), /unlabeled samples carry no mask/);
});

test('training samples of different sizes are refused, since they cannot be batched', () => {
  const tall = { ...sample('t', 'g', 0), height: 6, width: 4 };
  assert.throws(
    () => new InMemorySegmentationData({ numClasses: 2, channels: 1, seed: 1, partitions: { train: [sample('a', 'g', 0), tall] } }),
    (e: unknown) => isGraphFlowError(e) && e.code === 'GF_DATA_INVALID' && /differ in size/.test(e.message),
  );
});

test('shuffling follows the seed: another seed gives another order over a few epochs, the same seed the same', async () => {
  const ids = async (d: InMemorySegmentationData, epoch: number): Promise<string[]> => {
    const out: string[] = [];
    for await (const b of d.batches('train', { batchSize: 1, shuffle: true, augment: false, epoch })) {
      out.push(...b.ids);
      b.images.dispose();
      b.labels?.dispose();
    }
    return out;
  };
  const orders = async (seed: number): Promise<string> => (await Promise.all([0, 1, 2, 3].map((e) => ids(fixture(seed), e)))).join('|');
  assert.equal(await orders(5), await orders(5));
  assert.notEqual(await orders(5), await orders(6));
});

test('splitGroups keeps each group in one partition, uses every group once and repeats for a seed', () => {
  const groups = Array.from({ length: 20 }, (_, i) => `p${i % 10}`);
  const split = splitGroups(groups, { train: 6, val: 2, test: 2 }, 3);
  assert.deepEqual([split.train.length, split.val.length, split.test.length], [6, 2, 2]);
  assert.deepEqual([...split.train, ...split.val, ...split.test].sort(), [...new Set(groups)].sort());
  assert.deepEqual(splitGroups(groups, { train: 6, val: 2, test: 2 }, 3), split);
  assert.notDeepEqual(splitGroups(groups, { train: 6, val: 2, test: 2 }, 4), split);
  assert.throws(() => splitGroups(groups, { train: 0, val: 0, test: 0 }, 1), /more than 0/);
});
