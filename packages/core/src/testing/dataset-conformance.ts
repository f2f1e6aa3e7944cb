/**
 * The conformance suite of `dataset/*` components: what stages, metrics and commands rely on — class names and
 * channels that match the pixels, samples of the declared sizes with masks in range (none on unlabeled), stable
 * sample order, batches of the input size whose count matches `size`/`itemsPerEpoch`, the same batches for the
 * same epoch, and every batch tensor handed to the consumer (nothing left allocated).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { Batch, Partition, Sample, SegmentationData } from '../contracts/data';
import { useCpu } from './backbone-conformance';

export interface DatasetConformanceCase {
  label: string;
  /** Builds the dataset (e.g. the component's create() on a fixture folder). */
  create: () => SegmentationData | Promise<SegmentationData>;
  /** Partitions that must hold samples (default train, val, test). */
  partitions?: Partition[];
  batchSize?: number;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function checkSample(data: SegmentationData, partition: Partition, s: Sample): void {
  const where = `${partition} sample ${s.id}`;
  assert.equal(s.channels, data.channels, `${where}: channels`);
  assert.equal(s.image.length, s.height * s.width * s.channels, `${where}: image is HWC`);
  assert.ok(s.image.every(Number.isFinite), `${where}: finite pixels`);
  const fixed = data.sampleSize?.(partition) ?? (data.sampleSize ? null : data.inputSize);
  if (fixed) assert.deepEqual([s.height, s.width], [...fixed], `${where}: size`);
  if (partition === 'unlabeled') {
    assert.equal(s.mask, undefined, `${where}: unlabeled samples carry no mask`);
    return;
  }
  assert.ok(s.mask, `${where}: has a mask`);
  assert.equal(s.mask.length, s.height * s.width, `${where}: mask is HW`);
  assert.ok(s.mask.every((v) => v < data.numClasses), `${where}: mask values < numClasses (${data.numClasses})`);
  if (s.roi) assert.equal(s.roi.length, s.height * s.width, `${where}: roi is HW`);
}

function disposeBatch(b: Batch): void {
  tf.dispose([b.images, ...(b.labels ? [b.labels] : []), ...(b.roi ? [b.roi] : [])]);
}

/** Registers the suite's tests (node:test) for one dataset. */
export function datasetConformance(c: DatasetConformanceCase): void {
  const partitions = c.partitions ?? ['train', 'val', 'test'];

  test(`${c.label}: classes, channels and every sample of each partition agree with the declared sizes`, async () => {
    const data = await c.create();
    assert.equal(data.classNames.length, data.numClasses, 'one class name per class');
    assert.ok(data.numClasses >= 2 && data.channels >= 1);
    for (const p of partitions) {
      const samples = await collect(data.samples(p));
      assert.ok(samples.length > 0, `${p} has samples`);
      assert.equal(samples.length, data.size(p), `${p}: samples() yields size(${p})`);
      for (const s of samples) checkSample(data, p, s);
      const again = await collect(data.samples(p));
      assert.deepEqual(again.map((s) => s.id), samples.map((s) => s.id), `${p}: samples() has a stable order`);
    }
    const groups = partitions.map(() => new Set<string>());
    for (const [i, p] of partitions.entries()) for await (const s of data.samples(p)) groups[i]!.add(s.group);
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const shared = [...groups[i]!].filter((g) => groups[j]!.has(g));
        assert.deepEqual(shared, [], `groups never straddle ${partitions[i]} and ${partitions[j]}`);
      }
    }
  });

  test(`${c.label}: training batches have the input size and count, repeat for the same epoch, and leave nothing allocated`, async () => {
    await useCpu();
    const data = await c.create();
    const batchSize = c.batchSize ?? 2;
    const options = { batchSize, shuffle: true, augment: true, epoch: 3 };
    const before = tf.memory().numTensors;
    const first = await collect(data.batches('train', options));
    const items = data.itemsPerEpoch?.('train') ?? data.size('train');
    assert.equal(first.reduce((n, b) => n + b.images.shape[0], 0), items, 'one epoch covers every item once');
    const [h, w] = data.inputSize;
    for (const b of first) {
      const n = b.images.shape[0];
      assert.ok(n >= 1 && n <= batchSize);
      assert.deepEqual(b.images.shape, [n, h, w, data.channels]);
      assert.equal(b.images.dtype, 'float32');
      assert.equal(b.labeled, true);
      assert.deepEqual(b.labels?.shape, [n, h, w]);
      assert.equal(b.labels?.dtype, 'int32');
      assert.equal(b.ids.length, n);
      if (b.roi) assert.deepEqual(b.roi.shape, [n, h, w]);
    }
    const firstData = first.map((b) => [b.ids, Array.from(b.images.dataSync()), Array.from(b.labels!.dataSync())]);
    first.forEach(disposeBatch);
    const second = await collect(data.batches('train', options));
    const secondData = second.map((b) => [b.ids, Array.from(b.images.dataSync()), Array.from(b.labels!.dataSync())]);
    second.forEach(disposeBatch);
    assert.deepEqual(secondData, firstData, 'same epoch, same batches (order, augmentation)');
    assert.equal(tf.memory().numTensors, before, 'every batch tensor went to the consumer');
  });
}
