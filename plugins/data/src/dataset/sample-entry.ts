import type { Problem, Sample } from '@graphflow/core';
import { decodeImageFile } from '../decode/image-file';
import type { Raster } from '../decode/raster';
import type { SplitItem } from '../split/assign-partitions';

/**
 * One image/mask pair as a layout found it, before anything is decoded.
 * Readers are lazy so the unlabeled partition can be served without ever touching its masks.
 */
export interface SampleEntry extends SplitItem {
  /** The file (or `file#slice`) named in errors about the image. */
  imageFile: string;
  /** Mask files; several are merged by union (BUSI's `_mask`, `_mask_1`). Empty for mask-less samples. */
  maskFiles: string[];
  sliceIndex?: number;
  spacing?: [number, number];
  meta?: Record<string, unknown>;
  readImage(): Promise<Raster>;
  /** One raster per mask file, raw (class encoding is applied by the dataset). */
  readMasks(): Promise<Raster[]>;
  /** The ROI mask file paired with the image (`roi.mode: 'files'`); absent when the layout found none. */
  roiFile?: string;
  readRoi?(): Promise<Raster>;
}

/**
 * A problem a layout found while pairing, with the sample id and group the files would have had when known, so a
 * split by lists can tell strays nobody selected (a warning) from files a list asks for (an error).
 */
export interface LayoutProblem extends Problem {
  sampleId?: string;
  group?: string;
}

/** What a layout hands to the dataset: the pairs it found and the files it could not pair. */
export interface LayoutScan {
  root: string;
  entries: SampleEntry[];
  /** Unpaired files (image without mask or the reverse), one problem per file. */
  problems: LayoutProblem[];
}

/** An entry backed by image files that sharp decodes. */
export function imageFileEntry(init: { id: string; group: string; imageFile: string; maskFiles: string[]; roiFile?: string; fixedPartition?: SampleEntry['fixedPartition']; meta?: Record<string, unknown> }): SampleEntry {
  const { roiFile } = init;
  return {
    ...init,
    readImage: () => decodeImageFile(init.imageFile),
    readMasks: () => Promise.all(init.maskFiles.map((f) => decodeImageFile(f))),
    ...(roiFile ? { readRoi: () => decodeImageFile(roiFile) } : {}),
  };
}

/** Everything of a preprocessed Sample except its pixels, as the dataset reports it for `entry`. */
export function sampleShell(entry: SampleEntry, channels: number, inputSize: readonly [number, number], originalSize: [number, number]): Omit<Sample, 'image' | 'mask' | 'roi'> {
  return {
    id: entry.id,
    group: entry.group,
    height: inputSize[0],
    width: inputSize[1],
    channels,
    ...(entry.sliceIndex !== undefined ? { sliceIndex: entry.sliceIndex } : {}),
    ...(entry.spacing ? { spacing: entry.spacing } : {}),
    meta: { ...(entry.meta ?? {}), originalSize, imageFile: entry.imageFile },
  };
}
