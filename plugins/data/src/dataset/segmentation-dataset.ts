import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GraphFlowError, type Batch, type BatchOptions, type Partition, type Problem, type Sample, type SampleTransform, type SegmentationData, labeledRng } from '@graphflow/core';
import { computeDatasetStatistics, statisticsOf, type NormalizationStatistics } from '../preprocess/dataset-statistics';
import { needsDatasetStatistics } from '../preprocess/normalize';
import { assignPartitions, listedNames } from '../split/assign-partitions';
import type { SplitOptions } from '../split/split-options';
import { mapLimit, prefetchInOrder } from './batch-stream';
import { checkEntry } from './check-entry';
import type { DatasetOptions } from './dataset-options';
import { DiskSampleCache } from './disk-cache';
import { patchSize, withPatchDefaults } from './patch-options';
import { PatchSampler } from './patch-sampler';
import { countsPixels, preprocessEntry } from './preprocess-entry';
import { imageFileEntry, type LayoutProblem, type LayoutScan, type SampleEntry } from './sample-entry';

export { preprocessEntry } from './preprocess-entry';

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

type Size = [number, number];

/** What create() learned that the instance serves from. */
interface Resolved {
  /** Per entry index: the size its preprocessed sample has (the fixed `size`, else the file's own). */
  sizes: (Size | undefined)[];
  /** The size every sample shares, when they do. */
  uniformSize: Size | null;
  /** Batches carry `roi`: an ROI or ignore value is configured, or some patch pads a small image. */
  batchRoi: boolean;
  inputSize: Size;
  normalization: NormalizationStatistics | null;
}

/**
 * The SegmentationData every `dataset/*` layout builds: split, scanned and validated up front,
 * then served as preprocessed samples and prefetched, seeded, augmented batches (whole images or patches).
 */
export class SegmentationDataset implements SegmentationData {
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly channels: number;
  readonly inputSize: readonly [number, number];
  private readonly cache = new Map<number, Sample>();
  private readonly disk: DiskSampleCache | undefined;
  private readonly sampler: PatchSampler | undefined;

  private constructor(
    private readonly entries: readonly SampleEntry[],
    private readonly partitions: Record<Partition, number[]>,
    private readonly options: DatasetOptions,
    private readonly transforms: readonly SampleTransform[],
    private readonly seed: number,
    private readonly skippedPairs: readonly SkippedPair[],
    private readonly resolved: Resolved,
  ) {
    this.numClasses = options.numClasses;
    this.classNames = options.classNames ?? Array.from({ length: options.numClasses }, (_, k) => (k === 0 ? 'background' : `class${k}`));
    this.channels = options.channels;
    this.inputSize = resolved.inputSize;
    this.sampler = options.patches ? new PatchSampler(patchSize(options.patches), options.patches.foregroundRatio) : undefined;
    this.disk = options.cacheDir
      ? new DiskSampleCache(
          options.cacheDir,
          { channels: options.channels, normalization: options.normalization, mask: options.mask, numClasses: options.numClasses, roi: options.roi },
          { roi: countsPixels(options), roiUsesMask: (options.mask as { ignore?: unknown }).ignore !== undefined },
        )
      : undefined;
  }

  /**
   * Split, then decode every file the partitions need and check it: unreadable files, size mismatches,
   * mask values outside the classes, missing or mismatched ROI files, non-uniform sizes without `size` (unless
   * patching), images smaller than the patch with `pad: false`. Masks of the unlabeled partition are never read.
   * Throws one GF_DATA_INVALID listing every problem (strict), or skips bad pairs (strict: false).
   */
  static async create(layout: LayoutScan, given: DatasetOptions, deps: DatasetDeps = {}): Promise<SegmentationDataset> {
    // Nested defaults again here: direct callers (tests, tools) may pass partial nested options.
    let options: DatasetOptions = {
      ...given,
      split: { ratios: { train: 0.7, val: 0.15, test: 0.15 }, shuffle: true, labeledFraction: 1, ...((given.split ?? {}) as Partial<SplitOptions>) },
      ...(given.patches ? { patches: withPatchDefaults(given.patches) } : {}),
    };
    const logger = deps.logger ?? silentLogger;
    const seed = options.seed ?? deps.seed ?? 0;
    const source = deps.source ?? 'dataset';
    const skipped: SkippedPair[] = [];
    const fatal: Problem[] = [];
    const layoutProblems = await withoutUnlistedStrays(layout, options.split, logger, source);
    if (options.strict) fatal.push(...layoutProblems);
    else for (const p of layoutProblems) skipped.push({ files: [p.file ?? '?'], reason: p.message });
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
    const fileSizes: (Size | undefined)[] = [];
    const bySize = new Map<string, string[]>();
    checks.forEach((c, k) => {
      const i = needed[k]!;
      if (c.problems.length > 0) {
        bad.add(i);
        if (options.strict) fatal.push(...c.problems);
        else skipped.push({ files: c.problems.map((p) => p.file ?? '?'), reason: c.problems.map((p) => p.message).join('; ') });
      } else if (c.size) {
        fileSizes[i] = c.size;
        const key = `${c.size[0]}x${c.size[1]}`;
        bySize.set(key, [...(bySize.get(key) ?? []), layout.entries[i]!.imageFile]);
      }
    });
    // Patches are cut from each image at its own size, so only whole-image training needs one size.
    if (!fixedSize && !options.patches && bySize.size > 1) {
      const [common] = [...bySize.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
      for (const [key, files] of bySize) {
        if (key === common) continue;
        for (const file of files) fatal.push({ code: 'GF_DATA_INVALID', message: `image is ${key} (h×w) but most images are ${common}; set \`size\` to resize (or train on \`patches\`)`, file, expected: common });
      }
    }
    const sizes = fileSizes.map((s) => (s ? (fixedSize ?? s) : undefined));
    let pads = false;
    if (options.patches) {
      const [ph, pw] = patchSize(options.patches);
      for (const part of options.patches.partitions) {
        for (const i of split.partitions[part]) {
          const s = sizes[i];
          if (!s || (s[0] >= ph && s[1] >= pw)) continue;
          pads = true;
          if (!options.patches.pad) {
            fatal.push({ code: 'GF_DATA_INVALID', message: `image is ${s[0]}×${s[1]}${fixedSize ? ' after resizing' : ''}, smaller than the ${ph}×${pw} patches, and patches.pad is false`, file: layout.entries[i]!.imageFile, pointer: '/patches/size', expected: `images of at least ${ph}×${pw}, or pad: true` });
          }
        }
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

    let normalization = statisticsOf(options.normalization, options.channels);
    if (needsDatasetStatistics(options.normalization)) {
      // Training images only, so validation and test stay unseen; computed before any sample is cached, whose key includes them.
      const train = split.partitions.train;
      const resolved = await computeDatasetStatistics(layout.entries, train, options).catch((e: Error) => {
        throw new GraphFlowError('GF_DATA_INVALID', `${source}: cannot compute normalization statistics: ${e.message}`, { file: layout.root, pointer: '/normalization' });
      });
      options = { ...options, normalization: resolved };
      normalization = statisticsOf(resolved, options.channels, { partition: 'train', images: train.length });
      logger.info({ normalization }, `${source}: ${resolved.mode} normalization statistics of the training partition`);
    }

    const firstSize = bySize.keys().next().value as string | undefined;
    const uniformSize: Size | null = fixedSize ?? (bySize.size === 1 ? (firstSize!.split('x').map(Number) as Size) : null);
    const inputSize: Size = options.patches ? patchSize(options.patches) : (uniformSize ?? [0, 0]);
    const resolved: Resolved = { sizes, uniformSize, batchRoi: countsPixels(options) || pads, inputSize, normalization };
    const data = new SegmentationDataset(layout.entries, split.partitions, options, deps.transforms ?? [], seed, skipped, resolved);
    const partitions = ['train', 'val', 'test', 'unlabeled'] as const;
    logger.info(
      {
        ...Object.fromEntries(partitions.map((p) => [p, data.size(p)])),
        skipped: skipped.length,
        inputSize,
        sampleSize: Object.fromEntries(partitions.map((p) => [p, data.sampleSize(p)])),
        ...(options.patches ? { itemsPerEpoch: { train: data.itemsPerEpoch('train'), unlabeled: data.itemsPerEpoch('unlabeled') } } : {}),
      },
      `${source}: ${layout.entries.length} pair(s) found`,
    );
    return data;
  }

  size(partition: Partition): number {
    return this.partitions[partition].length;
  }

  sampleSize(partition: Partition): readonly [number, number] | null {
    const sizes = this.partitions[partition].map((i) => this.resolved.sizes[i]!);
    if (sizes.length === 0) return this.resolved.uniformSize;
    const [h, w] = sizes[0]!;
    return sizes.every((s) => s[0] === h && s[1] === w) ? [h, w] : null;
  }

  itemsPerEpoch(partition: Partition): number {
    return this.size(partition) * (this.patched(partition) ? this.options.patches!.perImage : 1);
  }

  /**
   * The per-channel values the normalization uses (computed over the training partition for `statistics: 'dataset'`
   * and `percentile`, or as given), for evaluation and prediction of new images to reuse; null for per-image modes.
   */
  normalizationStatistics(): NormalizationStatistics | null {
    return this.resolved.normalization;
  }

  /**
   * A new image file (no mask) preprocessed exactly as this dataset's samples are — channels, `size`, the resolved
   * normalization statistics, ROI — so a trained model sees at prediction time what it saw in training.
   */
  async preprocessImageFile(file: string): Promise<Sample> {
    const entry = imageFileEntry({ id: path.basename(file).replace(/\.[^.]+$/, ''), group: file, imageFile: file, maskFiles: [] });
    let raster;
    try {
      raster = await entry.readImage();
    } catch (e) {
      throw new GraphFlowError('GF_DATA_INVALID', `cannot decode image ${file}: ${(e as Error).message}`, { file, cause: e });
    }
    const fixed = normalizeSize(this.options.size);
    const size: readonly [number, number] = fixed ?? [raster.height, raster.width];
    // ROI files are paired by the layout; a loose file can only have a threshold ROI.
    const options = this.options.roi?.mode === 'files' ? { ...this.options, roi: undefined } : this.options;
    return preprocessEntry({ ...entry, readImage: async () => raster }, false, options as DatasetOptions, size);
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

  private patched(partition: Partition): boolean {
    return this.options.patches !== undefined && (this.options.patches.partitions as Partition[]).includes(partition);
  }

  batches(partition: Partition, options: BatchOptions): AsyncIterable<Batch> {
    const patched = this.patched(partition);
    const perImage = patched ? this.options.patches!.perImage : 1;
    // Item `slot` is patch `slot % perImage` of the partition's image `slot / perImage`; its patch is drawn from a
    // generator of (epoch, slot), so it is the same whatever the shuffle, the prefetch timing or a resumed replay.
    const items = this.partitions[partition].flatMap((index, k) => Array.from({ length: perImage }, (_, j) => ({ index, slot: k * perImage + j })));
    if (options.shuffle) labeledRng(this.seed, 'shuffle', partition, options.epoch).shuffle(items);
    const groups: (typeof items)[] = [];
    for (let s = 0; s < items.length; s += options.batchSize) groups.push(items.slice(s, s + options.batchSize));
    if (options.dropLast && groups.length > 0 && groups[groups.length - 1]!.length < options.batchSize) groups.pop();
    const withMask = partition !== 'unlabeled';
    const size = patched ? this.inputSize : this.sampleSize(partition);
    if (!size) {
      throw new GraphFlowError('GF_DATA_INVALID', `partition '${partition}' holds images of different sizes, which cannot be stacked into batches; read it with samples(), set \`size\`, or patch it`, { pointer: '/size' });
    }
    const [h, w] = size;
    const c = this.channels;
    const withRoi = this.resolved.batchRoi;
    const prepare = async (b: number): Promise<{ images: Float32Array; labels?: Int32Array; roi?: Float32Array; ids: string[]; groups: string[]; n: number }> => {
      const members = groups[b]!;
      const samples = await Promise.all(
        members.map(async ({ index, slot }, k) => {
          let sample = await this.load(index, withMask);
          // Cut first: augmenting the whole image would cost its full size per patch.
          if (patched) {
            const rng = labeledRng(this.seed, 'patch', partition, options.epoch, slot);
            sample = this.sampler!.cut(sample, this.sampler!.position(sample, rng));
          }
          if (options.augment && this.transforms.length > 0) {
            // One generator per (epoch, position): results do not depend on prefetch timing.
            const rng = labeledRng(this.seed, 'augment', partition, options.epoch, b * options.batchSize + k);
            for (const t of this.transforms) sample = t.apply(sample, rng);
          }
          return sample;
        }),
      );
      const n = samples.length;
      const images = new Float32Array(n * h * w * c);
      const labels = withMask ? new Int32Array(n * h * w) : undefined;
      const roi = withRoi ? new Float32Array(n * h * w) : undefined;
      samples.forEach((s, k) => {
        images.set(s.image, k * h * w * c);
        labels?.set(s.mask!, k * h * w);
        if (roi && s.roi) roi.set(s.roi, k * h * w);
        else roi?.fill(1, k * h * w, (k + 1) * h * w);
      });
      return { images, ...(labels ? { labels } : {}), ...(roi ? { roi } : {}), ids: samples.map((s) => s.id), groups: samples.map((s) => s.group), n };
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
            ...(p.roi ? { roi: tf.tensor3d(p.roi, [p.n, h, w], 'float32') } : {}),
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
    const size = this.resolved.sizes[index]!;
    let sample = this.disk ? await this.disk.get(entry, size, withMask, this.options.channels) : undefined;
    if (!sample) {
      sample = await preprocessEntry(entry, withMask, this.options, size);
      await this.disk?.put(entry, size, sample);
    }
    if (this.options.cache) this.cache.set(index, sample);
    return sample;
  }
}

function stripMask(s: Sample): Sample {
  const { mask: _mask, ...rest } = s;
  return rest;
}

function normalizeSize(size: DatasetOptions['size']): Size | null {
  if (size === null || size === undefined) return null;
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

function dataError(source: string, root: string, problems: Problem[]): GraphFlowError {
  const files = new Set(problems.map((p) => p.file).filter((f) => f !== undefined));
  return new GraphFlowError('GF_DATA_INVALID', `${source} at ${root}: ${problems.length} problem(s) in ${files.size} file(s)`, { problems, file: root });
}

/**
 * With a split by lists, files that could not be paired and whose sample id and group no list names are strays
 * (a README image, a spare annotation): logged as a warning, not fatal. Listed ones, and every problem without
 * a known sample, stay problems.
 */
async function withoutUnlistedStrays(layout: LayoutScan, split: SplitOptions, logger: DataLogger, source: string): Promise<Problem[]> {
  const listed = await listedNames(split, layout.root);
  if (!listed) return layout.problems.map(plainProblem);
  const keep: Problem[] = [];
  const strays: LayoutProblem[] = [];
  for (const p of layout.problems) {
    const known = p.sampleId !== undefined || p.group !== undefined;
    if (known && !listed.has(p.sampleId ?? '') && !listed.has(p.group ?? '')) strays.push(p);
    else keep.push(plainProblem(p));
  }
  if (strays.length > 0) {
    logger.warn({ files: strays.map((p) => p.file), reasons: strays.map((p) => p.message) }, `${source}: ${strays.length} unpaired file(s) not in any split list, ignored`);
  }
  return keep;
}

function plainProblem(p: LayoutProblem): Problem {
  const { sampleId: _id, group: _group, ...rest } = p;
  return rest;
}
