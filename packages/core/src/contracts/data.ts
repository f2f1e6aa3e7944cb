import type * as tf from '@tensorflow/tfjs';

/**
 * Contract of `dataset/*` components.
 * A dataset component builds a SegmentationData: decoded, preprocessed, split samples and batch streams.
 */

export type Partition = 'train' | 'val' | 'test' | 'unlabeled';

/** One decoded, preprocessed 2-D sample. */
export interface Sample {
  id: string;
  /** Samples sharing a group (e.g. slices of one patient volume) never straddle splits. */
  group: string;
  height: number;
  width: number;
  channels: number;
  /** Pixels HWC, float32, already normalized. */
  image: Float32Array;
  /** Class index per pixel (HW). Absent on the unlabeled partition. */
  mask?: Uint8Array;
  /**
   * Which pixels count (HW): 1 inside the region of interest (e.g. a fundus photograph's field of view) and not
   * carrying the dataset's ignore label, 0 elsewhere. Absent: every pixel counts. Metrics and losses leave 0-pixels out.
   */
  roi?: Uint8Array;
  /** Physical pixel size [row, col] (e.g. mm) when known, for HD95 in physical units. */
  spacing?: [number, number];
  /** Position of a slice within its volume, for per-volume (3-D) evaluation. */
  sliceIndex?: number;
  /**
   * Layout-specific extras. @graphflow/data sets `originalSize` ([h, w] before resizing), `imageFile`
   * (the file, or `file#dataset[slice]`, it came from) and, for BUSI, `class` (benign/malignant/normal).
   */
  meta?: Record<string, unknown>;
}

export interface Batch {
  /** [N,H,W,C] float32. The consumer disposes it. */
  images: tf.Tensor4D;
  /** [N,H,W] int32 class indices; absent on unlabeled batches. The consumer disposes it. */
  labels?: tf.Tensor3D;
  /** [N,H,W] float32, 1 where a pixel counts and 0 where not (see Sample.roi); absent when every pixel counts. The consumer disposes it. */
  roi?: tf.Tensor3D;
  ids: string[];
  groups: string[];
  labeled: boolean;
}

export interface BatchOptions {
  batchSize: number;
  shuffle: boolean;
  /** Apply the dataset's augmentation transforms (training only). */
  augment: boolean;
  /** Seeds shuffling and augmentation together with the run seed: same epoch → same batches. */
  epoch: number;
  dropLast?: boolean;
  /** Batches prepared ahead of the consumer. */
  prefetch?: number;
}

export interface SegmentationData {
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly channels: number;
  /**
   * Size [height, width] of the images in `batches()` of the training partitions: the patch size when the dataset
   * trains on patches, else the preprocessed image size. `samples()` may be larger (whole images at native resolution);
   * each Sample carries its own height and width.
   */
  readonly inputSize: readonly [number, number];
  /** Size of every sample `samples()` yields for the partition when they all share one, else null (optional; absent means inputSize). */
  sampleSize?(partition: Partition): readonly [number, number] | null;
  size(partition: Partition): number;
  /** Items one epoch of `batches(partition)` yields: size × patches per image when patching (optional; absent means size). */
  itemsPerEpoch?(partition: Partition): number;
  batches(partition: Partition, options: BatchOptions): AsyncIterable<Batch>;
  /** Samples one by one, unaugmented, in a stable order (evaluation, prediction, reports). */
  samples(partition: Partition): AsyncIterable<Sample>;
  /**
   * A new image file preprocessed exactly as this dataset's samples (channels, size, normalization statistics,
   * threshold ROI), without a mask: what prediction on new images feeds a model trained on this data (optional).
   */
  preprocessImageFile?(file: string): Promise<Sample>;
  /**
   * The per-channel values the normalization uses when they are dataset-wide (computed over the training split or
   * given), e.g. `{ mode, mean[], std[], clip? }`; null for per-image normalization (optional). Export records them.
   */
  normalizationStatistics?(): object | null;
  /** Files or pairs skipped under `strict: false`, for the run report. */
  skipped(): readonly { files: string[]; reason: string }[];
}

/** Contract of `transform/*` components: a paired image/mask transform, seeded. */
export interface SampleTransform {
  readonly name: string;
  apply(sample: Sample, rng: import('../util/rng').Rng): Sample;
}
