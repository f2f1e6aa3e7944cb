import type { Sample } from '@graphflow/core';
import { encodeMask, unionMasks } from '../mask/mask-encoding';
import { convertChannels } from '../preprocess/channels';
import { normalize } from '../preprocess/normalize';
import { resizeBilinear, resizeNearest } from '../preprocess/resize';
import type { Raster } from '../decode/raster';
import { erodeRegion, fileRegion, thresholdRegion } from '../roi/roi-region';
import type { DatasetOptions } from './dataset-options';
import { sampleShell, type SampleEntry } from './sample-entry';

/** Whether samples carry a `roi`: the dataset has a region of interest or an ignore value. */
export function countsPixels(options: Pick<DatasetOptions, 'roi' | 'mask'>): boolean {
  return options.roi !== undefined || (options.mask as { ignore?: unknown }).ignore !== undefined;
}

/** The configured region of interest of an image, at the file's resolution (undefined: none configured). */
export async function readRegion(entry: SampleEntry, image: Raster, options: Pick<DatasetOptions, 'roi'>): Promise<Uint8Array | undefined> {
  const roi = options.roi;
  if (!roi) return undefined;
  let region: Uint8Array;
  if (roi.mode === 'threshold') region = thresholdRegion(image, roi.channel ?? 0, roi.above);
  else {
    if (!entry.readRoi) throw new Error(`no ROI file for ${entry.imageFile}`);
    region = fileRegion(await entry.readRoi());
  }
  return erodeRegion(region, image.height, image.width, roi.erode ?? 0);
}

/**
 * Decode → channels → resize → normalize; masks: encode → union → nearest resize; roi: region ∩ not-ignored → nearest
 * resize. `inputSize` is the sample's target size (its own size when the dataset keeps native resolution).
 */
export async function preprocessEntry(entry: SampleEntry, withMask: boolean, options: DatasetOptions, inputSize: readonly [number, number]): Promise<Sample> {
  const raster = await entry.readImage();
  const [h, w] = inputSize;
  const pixels = raster.width * raster.height;
  const region = await readRegion(entry, raster, options);
  let image = convertChannels(raster.data, pixels, raster.channels, options.channels);
  image = resizeBilinear(image, raster.height, raster.width, options.channels, h, w);
  // Resizing may hand back the decoded buffer itself; normalization is in place, so copy first.
  if (image === raster.data) image = new Float32Array(image);
  normalize(image, options.normalization, raster.maxValue, options.channels);
  const sample: Sample = { ...sampleShell(entry, options.channels, inputSize, [raster.height, raster.width]), image };
  let ignored: Uint8Array | undefined;
  if (withMask) {
    const encoded = (await entry.readMasks()).map((m) => encodeMask(m, options.mask, options.numClasses));
    const mask = unionMasks(encoded.map((e) => e.mask));
    if (encoded[0]?.ignored) {
      ignored = unionMasks(encoded.map((e) => e.ignored!));
      // Another annotator's class must not leak into a pixel one of them marked unknown.
      for (let i = 0; i < mask.length; i++) if (ignored[i]) mask[i] = 0;
    }
    sample.mask = resizeNearest(mask, raster.height, raster.width, h, w);
  }
  if (countsPixels(options)) {
    const counts = region ? Uint8Array.from(region) : new Uint8Array(pixels).fill(1);
    if (ignored) for (let i = 0; i < pixels; i++) if (ignored[i]) counts[i] = 0;
    sample.roi = resizeNearest(counts, raster.height, raster.width, h, w);
  }
  return sample;
}
