import * as tf from '@tensorflow/tfjs';
import { GraphFlowError } from '../errors/graphflow-error';
import { labeledRng } from '../util/labeled-rng';
import type { Batch, BatchOptions, Partition, Sample, SampleTransform, SegmentationData } from '../contracts/data';

/**
 * What a layout hands to `InMemorySegmentationData`: decoded, preprocessed samples per partition. A layout that reads
 * its own format (a new file type, an archive, a database) only has to produce these; batching, seeded shuffling and
 * augmentation, and tensor hand-over are done here the way the built-in datasets do them.
 */
export interface InMemoryDataInit {
  numClasses: number;
  /** One per class (default `class0`, `class1`, …). */
  classNames?: readonly string[];
  channels: number;
  /** Samples of each partition; `unlabeled` samples carry no mask. Partitions left out are empty. */
  partitions: Partial<Record<Partition, readonly Sample[]>>;
  /** Applied in order to training samples when a batch asks for augmentation. */
  transforms?: readonly SampleTransform[];
  /** Seeds shuffling and augmentation (the run seed). */
  seed: number;
  /** Component id for messages, e.g. `dataset/my-format`. */
  source?: string;
}

const PARTITIONS: readonly Partition[] = ['train', 'val', 'test', 'unlabeled'];

/**
 * A SegmentationData over samples held in memory. Checks every sample against the declared channels and classes when
 * built (GF_DATA_INVALID naming the sample), so a bad layout fails before training.
 *
 * Batches: images [N,H,W,C] float32, labels [N,H,W] int32 (not on `unlabeled`), roi [N,H,W] float32 when any sample
 * of the partition has one. Tensors are created only when a batch is handed over; the consumer disposes them.
 */
export class InMemorySegmentationData implements SegmentationData {
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly channels: number;
  readonly inputSize: readonly [number, number];
  private readonly partitions: Record<Partition, readonly Sample[]>;
  private readonly transforms: readonly SampleTransform[];
  private readonly seed: number;
  private readonly source: string;

  constructor(init: InMemoryDataInit) {
    this.source = init.source ?? 'dataset';
    this.numClasses = init.numClasses;
    this.channels = init.channels;
    this.classNames = init.classNames ?? Array.from({ length: init.numClasses }, (_, k) => `class${k}`);
    if (this.classNames.length !== this.numClasses) {
      throw new GraphFlowError('GF_DATA_INVALID', `${this.source}: ${this.classNames.length} class names for ${this.numClasses} classes`);
    }
    this.partitions = { train: [], val: [], test: [], unlabeled: [], ...init.partitions };
    this.transforms = init.transforms ?? [];
    this.seed = init.seed;
    for (const p of PARTITIONS) for (const s of this.partitions[p]) this.check(p, s);
    const size = this.sampleSize('train');
    if (this.partitions.train.length > 0 && !size) {
      throw new GraphFlowError('GF_DATA_INVALID', `${this.source}: training samples differ in size, so they cannot be stacked into batches; resize or patch them in the layout`);
    }
    this.inputSize = size ?? [0, 0];
  }

  private check(partition: Partition, s: Sample): void {
    const where = `${this.source}: ${partition} sample ${s.id}`;
    const fail = (why: string): never => {
      throw new GraphFlowError('GF_DATA_INVALID', `${where}: ${why}`);
    };
    if (s.channels !== this.channels) fail(`${s.channels} channels, the dataset declares ${this.channels}`);
    if (s.image.length !== s.height * s.width * s.channels) fail(`image holds ${s.image.length} values, not ${s.height}×${s.width}×${s.channels} (HWC)`);
    if (!s.image.every(Number.isFinite)) fail('image holds non-finite values');
    if (partition === 'unlabeled') {
      if (s.mask) fail('unlabeled samples carry no mask');
    } else {
      const mask = s.mask ?? fail('no mask');
      if (mask.length !== s.height * s.width) fail(`mask holds ${mask.length} values, not ${s.height}×${s.width}`);
      const bad = mask.findIndex((v) => v >= this.numClasses);
      if (bad >= 0) fail(`mask value ${mask[bad]} at pixel ${bad} is not a class below ${this.numClasses}`);
    }
    if (s.roi && s.roi.length !== s.height * s.width) fail(`roi holds ${s.roi.length} values, not ${s.height}×${s.width}`);
  }

  sampleSize(partition: Partition): readonly [number, number] | null {
    const list = this.partitions[partition];
    if (list.length === 0) return null;
    const [first] = list;
    return list.every((s) => s.height === first!.height && s.width === first!.width) ? [first!.height, first!.width] : null;
  }

  size(partition: Partition): number {
    return this.partitions[partition].length;
  }

  async *samples(partition: Partition): AsyncIterable<Sample> {
    for (const s of this.partitions[partition]) yield s;
  }

  batches(partition: Partition, options: BatchOptions): AsyncIterable<Batch> {
    const list = this.partitions[partition];
    const size = this.sampleSize(partition);
    if (list.length > 0 && !size) {
      throw new GraphFlowError('GF_DATA_INVALID', `${this.source}: partition '${partition}' holds samples of different sizes, which cannot be stacked into batches`);
    }
    const order = list.map((_, i) => i);
    if (options.shuffle) labeledRng(this.seed, 'shuffle', partition, options.epoch).shuffle(order);
    const groups: number[][] = [];
    for (let s = 0; s < order.length; s += options.batchSize) groups.push(order.slice(s, s + options.batchSize));
    if (options.dropLast && groups.length > 0 && groups[groups.length - 1]!.length < options.batchSize) groups.pop();
    const [h, w] = size ?? [0, 0];
    const c = this.channels;
    const labeled = partition !== 'unlabeled';
    const withRoi = list.some((s) => s.roi !== undefined);
    const augment = options.augment && this.transforms.length > 0;
    const { seed, transforms } = this;
    return {
      [Symbol.asyncIterator]: async function* () {
        for (const [b, members] of groups.entries()) {
          const samples = members.map((i, k) => {
            let s = list[i]!;
            if (augment) {
              // One generator per (epoch, position in the epoch), so a batch does not depend on iteration timing.
              const rng = labeledRng(seed, 'augment', partition, options.epoch, b * options.batchSize + k);
              for (const t of transforms) s = t.apply(s, rng);
            }
            return s;
          });
          const n = samples.length;
          const images = new Float32Array(n * h * w * c);
          const labels = labeled ? new Int32Array(n * h * w) : undefined;
          const roi = withRoi ? new Float32Array(n * h * w).fill(1) : undefined;
          samples.forEach((s, k) => {
            images.set(s.image, k * h * w * c);
            if (labels) labels.set(s.mask!, k * h * w);
            if (roi && s.roi) roi.set(s.roi, k * h * w);
          });
          const batch: Batch = {
            images: tf.tensor4d(images, [n, h, w, c]),
            ids: samples.map((s) => s.id),
            groups: samples.map((s) => s.group),
            labeled,
            ...(labels ? { labels: tf.tensor3d(labels, [n, h, w], 'int32') } : {}),
            ...(roi ? { roi: tf.tensor3d(roi, [n, h, w], 'float32') } : {}),
          };
          yield batch;
        }
      },
    };
  }

  skipped(): readonly { files: string[]; reason: string }[] {
    return [];
  }
}

/**
 * Assigns whole groups (a patient, a child, a volume) to partitions by `ratios`, seeded: the same seed and groups give
 * the same split, and no group straddles two partitions. Returns partition → group names.
 */
export function splitGroups(groups: readonly string[], ratios: { train: number; val: number; test: number }, seed: number): Record<'train' | 'val' | 'test', string[]> {
  const unique = [...new Set(groups)].sort();
  labeledRng(seed, 'split').shuffle(unique);
  const total = ratios.train + ratios.val + ratios.test;
  if (!(total > 0)) throw new GraphFlowError('GF_OPTIONS_INVALID', 'split ratios must add up to more than 0');
  const nVal = Math.round((unique.length * ratios.val) / total);
  const nTest = Math.round((unique.length * ratios.test) / total);
  const nTrain = unique.length - nVal - nTest;
  return { train: unique.slice(0, nTrain), val: unique.slice(nTrain, nTrain + nVal), test: unique.slice(nTrain + nVal) };
}
