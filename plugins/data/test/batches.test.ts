import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { ComponentSpec, SampleTransform } from '@graphflow/core';
import plugin, {
  FlipTransform,
  generateSyntheticImage,
  labeledRng,
  prefetchInOrder,
  scanSyntheticLayout,
  SegmentationDataset,
  syntheticDataset,
  syntheticDatasetOptions,
  type SyntheticDatasetOptions,
} from '../src/index';
import { fakeContext } from './fixtures';

const synth = (o: Partial<SyntheticDatasetOptions> = {}): SyntheticDatasetOptions => ({
  size: 32,
  count: 12,
  classes: 4,
  seed: 5,
  groupSize: 2,
  channels: 1,
  normalization: { mode: 'none' },
  split: { ratios: { train: 4, val: 1, test: 1 }, shuffle: true, labeledFraction: 1 },
  augment: [],
  strict: true,
  cache: true,
  prefetch: 2,
  scanConcurrency: 4,
  ...o,
});

async function build(o: Partial<SyntheticDatasetOptions> = {}, transforms: SampleTransform[] = []): Promise<SegmentationDataset> {
  const options = synth(o);
  return SegmentationDataset.create(scanSyntheticLayout(options), syntheticDatasetOptions(options), { transforms, seed: 1 });
}

async function epochIds(data: SegmentationDataset, epoch: number, batchSize = 3, dropLast = false): Promise<string[][]> {
  const out: string[][] = [];
  for await (const b of data.batches('train', { batchSize, shuffle: true, augment: false, epoch, dropLast })) {
    out.push(b.ids);
    tf.dispose([b.images, b.labels!]);
  }
  return out;
}

describe('batches', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('shapes, dtypes and values match the samples', async () => {
    const data = await build();
    assert.equal(data.size('train'), 8);
    const samples = new Map<string, { image: Float32Array; mask?: Uint8Array }>();
    for await (const s of data.samples('train')) samples.set(s.id, s);
    for await (const b of data.batches('train', { batchSize: 3, shuffle: false, augment: false, epoch: 0 })) {
      assert.deepEqual(b.images.shape, [b.ids.length, 32, 32, 1]);
      assert.equal(b.images.dtype, 'float32');
      assert.deepEqual(b.labels!.shape, [b.ids.length, 32, 32]);
      assert.equal(b.labels!.dtype, 'int32');
      const img = b.images.dataSync();
      const lab = b.labels!.dataSync();
      b.ids.forEach((id, k) => {
        assert.deepEqual(img.subarray(k * 1024, (k + 1) * 1024), samples.get(id)!.image);
        assert.deepEqual([...lab.subarray(k * 1024, (k + 1) * 1024)], [...samples.get(id)!.mask!]);
      });
      assert.deepEqual(b.groups, b.ids.map((id) => `patient${Math.floor(Number(id.slice(9)) / 2)}`));
      tf.dispose([b.images, b.labels!]);
    }
  });

  it('shuffling is seeded per epoch; dropLast drops the short batch', async () => {
    const data = await build();
    const a = await epochIds(data, 0);
    assert.deepEqual(await epochIds(data, 0), a);
    assert.notDeepEqual(await epochIds(data, 1), a);
    assert.deepEqual(a.map((b) => b.length), [3, 3, 2]);
    assert.deepEqual((await epochIds(data, 0, 3, true)).map((b) => b.length), [3, 3]);
    assert.deepEqual(a.flat().sort(), data.ids('train'));
  });

  it('augmentation is reproducible per epoch and keeps labels aligned with images', async () => {
    const data = await build({}, [new FlipTransform({ horizontal: 0.5, vertical: 0.5 })]);
    const run = async (epoch: number): Promise<Float32Array[]> => {
      const out: Float32Array[] = [];
      for await (const b of data.batches('train', { batchSize: 4, shuffle: true, augment: true, epoch })) {
        out.push(b.images.dataSync() as Float32Array);
        tf.dispose([b.images, b.labels!]);
      }
      return out;
    };
    assert.deepEqual(await run(3), await run(3));
    // Unaugmented vs augmented epoch 3 differ somewhere (flip probability 0.75 per sample).
    const plain: Float32Array[] = [];
    for await (const b of data.batches('train', { batchSize: 4, shuffle: true, augment: false, epoch: 3 })) {
      plain.push(b.images.dataSync() as Float32Array);
      tf.dispose([b.images, b.labels!]);
    }
    assert.notDeepEqual(await run(3), plain);
  });

  it('does not leak tensors: numTensors is flat across steps and after an early break', async () => {
    const data = await build({ prefetch: 3 });
    const before = tf.memory().numTensors;
    for (let epoch = 0; epoch < 3; epoch++) {
      for await (const b of data.batches('train', { batchSize: 2, shuffle: true, augment: false, epoch })) {
        // A training step would consume the batch here; it owns and disposes the tensors.
        tf.tidy(() => {
          b.images.mean().dataSync();
        });
        tf.dispose([b.images, b.labels!]);
        assert.equal(tf.memory().numTensors, before);
      }
    }
    for await (const b of data.batches('train', { batchSize: 2, shuffle: true, augment: false, epoch: 9 })) {
      tf.dispose([b.images, b.labels!]);
      break;
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('prefetch keeps loads running ahead of the consumer, in order', async () => {
    const started: number[] = [];
    const it = prefetchInOrder(6, async (i) => {
      started.push(i);
      await new Promise((r) => setTimeout(r, 5));
      return i * 10;
    }, 2);
    const got: number[] = [];
    for await (const v of it) {
      if (got.length === 0) assert.deepEqual(started, [0, 1, 2], 'two batches requested ahead of the first');
      got.push(v);
    }
    assert.deepEqual(got, [0, 10, 20, 30, 40, 50]);
  });

  it('a failing load surfaces as a rejection of the iteration', async () => {
    const it = prefetchInOrder(3, async (i) => {
      if (i === 1) throw new Error('boom');
      return i;
    }, 2);
    await assert.rejects(async () => {
      for await (const _ of it) void _;
    }, /boom/);
  });
});

describe('dataset/synthetic', () => {
  it('is deterministic per seed and index, and has every class', () => {
    const a = generateSyntheticImage(64, 4, labeledRng(1, 'synthetic', 0));
    const b = generateSyntheticImage(64, 4, labeledRng(1, 'synthetic', 0));
    const c = generateSyntheticImage(64, 4, labeledRng(2, 'synthetic', 0));
    assert.deepEqual(a.image, b.image);
    assert.deepEqual(a.mask, b.mask);
    assert.notDeepEqual(a.image, c.image);
    assert.ok(a.image.every((v) => v >= 0 && v <= 1));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20; i++) for (const v of generateSyntheticImage(64, 4, labeledRng(1, 'synthetic', i)).mask) counts[v]!++;
    const total = 20 * 64 * 64;
    // Background dominates; the organ is large; lesions and vessels are small but present.
    assert.ok(counts[0]! / total > 0.6, `background ${counts[0]! / total}`);
    assert.ok(counts[1]! / total > 0.05, `organ ${counts[1]! / total}`);
    assert.ok(counts[2]! / total > 0.005 && counts[2]! / total < 0.05, `lesion ${counts[2]! / total}`);
    assert.ok(counts[3]! / total > 0.005 && counts[3]! / total < 0.06, `vessel ${counts[3]! / total}`);
  });

  it('lesions are low-contrast: their mean intensity is within 0.15 of the background', () => {
    let bg = 0;
    let nb = 0;
    let le = 0;
    let nl = 0;
    for (let i = 0; i < 10; i++) {
      const s = generateSyntheticImage(64, 3, labeledRng(3, 'synthetic', i));
      s.mask.forEach((m, k) => {
        if (m === 0) { bg += s.image[k]!; nb++; }
        if (m === 2) { le += s.image[k]!; nl++; }
      });
    }
    const diff = bg / nb - le / nl;
    assert.ok(diff > 0.02 && diff < 0.15, `lesion contrast ${diff}`);
  });

  it('builds through the component with nested transform specs and the plugin registers it', async () => {
    const ctx = { ...fakeContext('data'), build: async (spec: ComponentSpec) => {
      assert.equal(spec.type, 'transform/flip');
      return new FlipTransform({ horizontal: 1, vertical: 0 });
    } };
    const data = await syntheticDataset.create(synth({ augment: [{ type: 'transform/flip', options: {} }] }), ctx as never);
    assert.deepEqual(data.classNames, ['background', 'organ', 'lesion', 'vessel']);
    assert.deepEqual(data.inputSize, [32, 32]);
    const registered: string[] = [];
    await plugin.register({ component: (c: { kind: string; name: string }) => registered.push(`${c.kind}/${c.name}`), kind: () => undefined, logger: {} as never, coreVersion: '0.1.0' } as never, {});
    assert.deepEqual(registered.filter((r) => r.startsWith('dataset/')).sort(), ['dataset/busi', 'dataset/cvc-clinicdb', 'dataset/folder', 'dataset/kvasir', 'dataset/synapse', 'dataset/synthetic']);
    assert.equal(registered.filter((r) => r.startsWith('transform/')).length, 8);
  });
});
