import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, type Sample } from '@graphflow/core';
import { encodeNpy } from '../decode/npy';
import { buildNpz, readNpz } from '../decode/npz';
import { sampleShell, type SampleEntry } from './sample-entry';

export interface DiskCacheShape {
  /** Samples carry a `roi` (the dataset has an ROI or an ignore value): an entry without one is stale. */
  roi: boolean;
  /**
   * The ROI depends on whether the mask was read (the mask's ignore value is part of it): a sample stored for a
   * labeled partition is then never served to the unlabeled one, which must not learn where the unknown pixels are.
   */
  roiUsesMask: boolean;
}

/**
 * Preprocessed samples stored as `.npz` (`image` float32 [H,W,C], optional `mask` and `roi` uint8 [H,W], `original_size` [2])
 * under a folder. The file name hashes everything the pixels depend on — source files (image, masks, ROI file) with their
 * size and mtime, the preprocessing options and the input size — so a changed file or option never serves stale pixels.
 */
export class DiskSampleCache {
  constructor(
    private readonly dir: string,
    private readonly preprocessing: unknown,
    private readonly shape: DiskCacheShape = { roi: false, roiUsesMask: false },
  ) {}

  private async key(entry: SampleEntry, inputSize: readonly [number, number], withMask: boolean): Promise<string> {
    const files = [entry.imageFile, ...entry.maskFiles, ...(entry.roiFile ? [entry.roiFile] : [])];
    const stats = await Promise.all(
      files.map(async (f) => {
        // Slice references (`file#image[3]`) and generated entries have no stat of their own; the base file does.
        const real = f.split('#')[0]!;
        const st = await fs.stat(real).catch(() => undefined);
        return st ? [f, st.size, st.mtimeMs] : [f];
      }),
    );
    const variant = this.shape.roiUsesMask ? [withMask] : [];
    return createHash('sha256').update(JSON.stringify([entry.id, stats, this.preprocessing, inputSize, ...variant])).digest('hex').slice(0, 32);
  }

  /** The cached sample, or undefined when absent, unreadable, or lacking a mask that is wanted. */
  async get(entry: SampleEntry, inputSize: readonly [number, number], withMask: boolean, channels: number): Promise<Sample | undefined> {
    const file = path.join(this.dir, `${await this.key(entry, inputSize, withMask)}.npz`);
    try {
      const arrays = await readNpz(file);
      const { image, original_size: original } = arrays;
      if (!image || !original || (withMask && !arrays.mask) || (this.shape.roi && !arrays.roi)) return undefined;
      const sample: Sample = { ...sampleShell(entry, channels, inputSize, [original.data[0]!, original.data[1]!]), image: image.data };
      if (withMask) sample.mask = Uint8Array.from(arrays.mask!.data);
      if (this.shape.roi) sample.roi = Uint8Array.from(arrays.roi!.data);
      return sample;
    } catch {
      return undefined;
    }
  }

  async put(entry: SampleEntry, inputSize: readonly [number, number], sample: Sample): Promise<void> {
    const file = path.join(this.dir, `${await this.key(entry, inputSize, sample.mask !== undefined)}.npz`);
    const original = (sample.meta?.originalSize as [number, number] | undefined) ?? [sample.height, sample.width];
    const arrays: Record<string, Uint8Array> = {
      image: encodeNpy(sample.image, [sample.height, sample.width, sample.channels]),
      original_size: encodeNpy(Float32Array.from(original), [2]),
    };
    if (sample.mask) arrays.mask = encodeNpy(sample.mask, [sample.height, sample.width]);
    if (sample.roi) arrays.roi = encodeNpy(sample.roi, [sample.height, sample.width]);
    await writeFileAtomic(file, buildNpz(arrays));
  }
}
