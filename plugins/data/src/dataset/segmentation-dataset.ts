import * as tf from '@tensorflow/tfjs';
import {
  GraphFlowError,
  type Batch,
  type BatchOptions,
  type Partition,
  type Problem,
  type Sample,
  type SampleTransform,
  type SegmentationData,
} from '@graphflow/core';
import type { Raster } from '../decode/raster';
import { labeledRng } from '../util/labeled-rng';
import { encodeMask, unionMasks } from '../mask/mask-encoding';
import { convertChannels } from '../preprocess/channels';
import { normalize } from '../preprocess/normalize';
import { resizeBilinear, resizeNearest } from '../preprocess/resize';
import { assignPartitions } from '../split/assign-partitions';
import { mapLimit, prefetchInOrder } from './batch-stream';
import type { DatasetOptions } from './dataset-options';
import { sampleShell, type LayoutScan, type SampleEntry } from './sample-entry';
import { DiskSampleCache } from './disk-cache';

/** The logging a dataset needs; a pino logger fits. */
export interface DataLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

const silentLogger: DataLogger = { info: () => undefined, warn: () => undefined };

export interface DatasetDeps {
  transforms?: SampleTransform[];
  logger?: DataLogger;
  /** Used when options.seed is absent (the run seed). */
  seed?: number;
  /** Component id for messages, e.g. `dataset/folder`. */
  source?: string;
}

export interface SkippedPair {
  files: string[];
  reason: string;
}

const LABELED: readonly Partition[] = ['train', 'val', 'test'];

/**
 * The SegmentationData every `dataset/*` layout builds: split, scanned and validated up front,
 * then served as preprocessed samples and prefetched, seeded, augmented batches.
 */
export class SegmentationDataset implements SegmentationData {
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly channels: number;
  readonly inputSize: readonly [number, number];
  private readonly cache = new Map<number, Sample>();
  private readonly disk: DiskSampleCache | undefined;

  private constructor(
    private readonly entries: readonly SampleEntry[],
    private readonly partitions: Record<Partition, number[]>,
    private readonly options: DatasetOptions,
    private readonly transforms: readonly SampleTransform[],
    private readonly seed: number,
    private readonly skippedPairs: readonly SkippedPair[],
    inputSize: [number, number],
  ) {
    this.numClasses = options.numClasses;
    this.classNames = options.classNames ?? Array.from({ length: options.numClasses }, (_, k) => (k === 0 ? 'background' : `class${k}`));
    this.channels = options.channels;
    this.inputSize = inputSize;
    this.disk = options.cacheDir
      ? new DiskSampleCache(options.cacheDir, { channels: options.channels, normalization: options.normalization, mask: options.mask, numClasses: options.numClasses })
      : undefined;
  }

  /**
   * Split, then decode every file the partitions need and check it: unreadable files, size mismatches,
   * mask values outside the classes, non-uniform sizes without `size`. Masks of the unlabeled partition are never read.
   * Throws one GF_DATA_INVALID listing every problem (strict), or skips bad pairs (strict: false).
   */
  static async create(layout: LayoutScan, given: DatasetOptions, deps: DatasetDeps = {}): Promise<SegmentationDataset> {
    // Nested defaults again here: direct callers (tests, tools) may pass a partial split.
    const options: DatasetOptions = { ...given, split: { ratios: { train: 0.7, val: 0.15, test: 0.15 }, shuffle: true, labeledFraction: 1, ...((given.split ?? {}) as Partial<DatasetOptions['split']>) } };
    const logger = deps.logger ?? silentLogger;
    const seed = options.seed ?? deps.seed ?? 0;
    const source = deps.source ?? 'dataset';
    const skipped: SkippedPair[] = [];
    const fatal: Problem[] = [];
    if (options.strict) fatal.push(...layout.problems);
    else for (const p of layout.problems) skipped.push({ files: [p.file ?? '?'], reason: p.message });
    if (layout.entries.length === 0) {
      fatal.push({ code: 'GF_DATA_INVALID', message: `${source} found no image/mask pairs`, file: layout.root });
      throw dataError(source, layout.root, fatal);
    }
    const split = await assignPartitions(layout.entries, options.split, seed, layout.root);
    fatal.push(...split.problems);

    const fixedSize = normalizeSize(options.size);
    const labeled = new Set<number>(LABELED.flatMap((p) => split.partitions[p]));
    const needed = [...new Set([...labeled, ...split.partitions.unlabeled])].sort((a, b) => a - b);
    const checks = await mapLimit(needed, options.scanConcurrency, (i) => checkEntry(layout.entries[i]!, labeled.has(i), options));
    const bad = new Set<number>();
    const sizes = new Map<string, string[]>();
    checks.forEach((c, k) => {
      const i = needed[k]!;
      if (c.problems.length > 0) {
        bad.add(i);
        if (options.strict) fatal.push(...c.problems);
        else skipped.push({ files: c.problems.map((p) => p.file ?? '?'), reason: c.problems.map((p) => p.message).join('; ') });
      } else if (c.size) {
        const key = `${c.size[0]}x${c.size[1]}`;
        sizes.set(key, [...(sizes.get(key) ?? []), layout.entries[i]!.imageFile]);
      }
    });
    if (!fixedSize && sizes.size > 1) {
      const [common] = [...sizes.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
      for (const [key, files] of sizes) {
        if (key === common) continue;
        for (const file of files) fatal.push({ code: 'GF_DATA_INVALID', message: `image is ${key} (h×w) but most images are ${common}; set \`size\` to resize`, file, expected: common });
      }
    }
    for (const part of Object.keys(split.partitions) as Partition[]) {
      const before = split.partitions[part].length;
      split.partitions[part] = split.partitions[part].filter((i) => !bad.has(i));
      if (before > 0 && split.partitions[part].length === 0) {
        fatal.push({ code: 'GF_DATA_INVALID', message: `every sample of partition '${part}' was skipped as bad`, file: layout.root });
      }
    }
    if (fatal.length > 0) throw dataError(source, layout.root, fatal);
    for (const s of skipped) logger.warn({ files: s.files, reason: s.reason }, 'skipped bad data');

    const firstSize = sizes.keys().next().value as string | undefined;
    const inputSize: [number, number] = fixedSize ?? (firstSize ? (firstSize.split('x').map(Number) as [number, number]) : [0, 0]);
    const data = new SegmentationDataset(layout.entries, split.partitions, options, deps.transforms ?? [], seed, skipped, inputSize);
    logger.info(
      { train: data.size('train'), val: data.size('val'), test: data.size('test'), unlabeled: data.size('unlabeled'), skipped: skipped.length, inputSize },
      `${source}: ${layout.entries.length} pair(s) found`,
    );
    return data;
  }

  size(partition: Partition): number {
    return this.partitions[partition].length;
  }

  /** Sample ids of a partition in stable order (for reports and tests). */
  ids(partition: Partition): string[] {
    return this.partitions[partition].map((i) => this.entries[i]!.id);
  }

  /** Groups (patients/volumes) of a partition. */
  groups(partition: Partition): string[] {
    return [...new Set(this.partitions[partition].map((i) => this.entries[i]!.group))];
  }

  skipped(): readonly SkippedPair[] {
    return this.skippedPairs;
  }

  async *samples(partition: Partition): AsyncIterable<Sample> {
    for (const i of this.partitions[partition]) yield await this.load(i, partition !== 'unlabeled');
  }

  batches(partition: Partition, options: BatchOptions): AsyncIterable<Batch> {
    const indices = [...this.partitions[partition]];
    if (options.shuffle) labeledRng(this.seed, 'shuffle', partition, options.epoch).shuffle(indices);
    const groups: number[][] = [];
    for (let s = 0; s < indices.length; s += options.batchSize) groups.push(indices.slice(s, s + options.batchSize));
    if (options.dropLast && groups.length > 0 && groups[groups.length - 1]!.length < options.batchSize) groups.pop();
    const withMask = partition !== 'unlabeled';
    const [h, w] = this.inputSize;
    const c = this.channels;
    const prepare = async (b: number): Promise<{ images: Float32Array; labels?: Int32Array; ids: string[]; groups: string[]; n: number }> => {
      const members = groups[b]!;
      const samples = await Promise.all(
        members.map(async (index, k) => {
          let sample = await this.load(index, withMask);
          if (options.augment && this.transforms.length > 0) {
            // One generator per (epoch, position): results do not depend on prefetch timing.
            const rng = labeledRng(this.seed, 'augment', partition, options.epoch, b * options.batchSize + k);
            for (const t of this.transforms) sample = t.apply(sample, rng);
          }
          return sample;
        }),
      );
      const images = new Float32Array(samples.length * h * w * c);
      const labels = withMask ? new Int32Array(samples.length * h * w) : undefined;
      samples.forEach((s, k) => {
        images.set(s.image, k * h * w * c);
        labels?.set(s.mask!, k * h * w);
      });
      return { images, ...(labels ? { labels } : {}), ids: samples.map((s) => s.id), groups: samples.map((s) => s.group), n: samples.length };
    };
    const prefetch = options.prefetch ?? this.options.prefetch;
    return {
      [Symbol.asyncIterator]: async function* () {
        for await (const p of prefetchInOrder(groups.length, prepare, prefetch)) {
          // Tensors are made only when handed over, so an abandoned iteration leaks nothing.
          const batch: Batch = {
            images: tf.tensor4d(p.images, [p.n, h, w, c]),
            ids: p.ids,
            groups: p.groups,
            labeled: withMask,
            ...(p.labels ? { labels: tf.tensor3d(p.labels, [p.n, h, w], 'int32') } : {}),
          };
          yield batch;
        }
      },
    };
  }

  private async load(index: number, withMask: boolean): Promise<Sample> {
    const cached = this.cache.get(index);
    if (cached && (cached.mask || !withMask)) return withMask ? cached : stripMask(cached);
    const entry = this.entries[index]!;
    let sample = this.disk ? await this.disk.get(entry, this.inputSize, withMask, this.options.channels) : undefined;
    if (!sample) {
      sample = await preprocessEntry(entry, withMask, this.options, this.inputSize);
      await this.disk?.put(entry, this.inputSize, sample);
    }
    if (this.options.cache) this.cache.set(index, sample);
    return sample;
  }
}

function stripMask(s: Sample): Sample {
  const { mask: _mask, ...rest } = s;
  return rest;
}

function normalizeSize(size: DatasetOptions['size']): [number, number] | null {
  if (size === null || size === undefined) return null;
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

function dataError(source: string, root: string, problems: Problem[]): GraphFlowError {
  const files = new Set(problems.map((p) => p.file).filter((f) => f !== undefined));
  return new GraphFlowError('GF_DATA_INVALID', `${source} at ${root}: ${problems.length} problem(s) in ${files.size} file(s)`, { problems, file: root });
}

interface EntryCheck {
  problems: Problem[];
  size?: [number, number];
}

/** Decode an entry's files and check them against each other and the declared classes. */
async function checkEntry(entry: SampleEntry, labeled: boolean, options: DatasetOptions): Promise<EntryCheck> {
  const problems: Problem[] = [];
  let image: Raster | undefined;
  try {
    image = await entry.readImage();
  } catch (e) {
    problems.push({ code: 'GF_DATA_INVALID', message: `cannot decode image: ${(e as Error).message}`, file: entry.imageFile });
  }
  if (labeled) {
    if (entry.maskFiles.length === 0) problems.push({ code: 'GF_DATA_INVALID', message: 'image has no mask', file: entry.imageFile });
    let masks: Raster[] = [];
    try {
      masks = await entry.readMasks();
    } catch (e) {
      problems.push({ code: 'GF_DATA_INVALID', message: `cannot decode mask: ${(e as Error).message}`, file: entry.maskFiles.join(', ') });
    }
    for (const m of masks) {
      if (image && (m.width !== image.width || m.height !== image.height)) {
        problems.push({ code: 'GF_DATA_INVALID', message: `mask is ${m.height}×${m.width} but its image ${entry.imageFile} is ${image.height}×${image.width}`, file: m.file, expected: `${image.height}×${image.width}` });
        continue;
      }
      const { invalid } = encodeMask(m, options.mask, options.numClasses);
      if (invalid.length > 0) {
        problems.push({ code: 'GF_DATA_INVALID', message: `mask values outside the ${options.numClasses} declared classes (${options.mask.mode} encoding): ${invalid.join(', ')}`, file: m.file, expected: describeEncoding(options) });
      }
    }
  }
  return { problems, ...(image ? { size: [image.height, image.width] as [number, number] } : {}) };
}

function describeEncoding(o: DatasetOptions): string {
  if (o.mask.mode === 'index') return `integer class indices 0..${o.numClasses - 1}`;
  if (o.mask.mode === 'palette') return `one of the ${o.mask.palette.length} palette colours`;
  return 'a binary mask';
}

/** Decode → channels → resize → normalize; masks: encode → union → nearest resize. */
export async function preprocessEntry(entry: SampleEntry, withMask: boolean, options: DatasetOptions, inputSize: readonly [number, number]): Promise<Sample> {
  const raster = await entry.readImage();
  const [h, w] = inputSize;
  const pixels = raster.width * raster.height;
  let image = convertChannels(raster.data, pixels, raster.channels, options.channels);
  image = resizeBilinear(image, raster.height, raster.width, options.channels, h, w);
  // Resizing may hand back the decoded buffer itself; normalization is in place, so copy first.
  if (image === raster.data) image = new Float32Array(image);
  normalize(image, options.normalization, raster.maxValue);
  const sample: Sample = { ...sampleShell(entry, options.channels, inputSize, [raster.height, raster.width]), image };
  if (withMask) {
    const rasters = await entry.readMasks();
    const encoded = rasters.map((m) => encodeMask(m, options.mask, options.numClasses).mask);
    sample.mask = resizeNearest(unionMasks(encoded), raster.height, raster.width, h, w);
  }
  return sample;
}
