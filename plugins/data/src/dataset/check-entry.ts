import type { Problem } from '@graphflow/core';
import type { Raster } from '../decode/raster';
import { encodeMask } from '../mask/mask-encoding';
import type { DatasetOptions } from './dataset-options';
import type { SampleEntry } from './sample-entry';

export interface EntryCheck {
  problems: Problem[];
  /** The image's [height, width] in the file, when it decoded. */
  size?: [number, number];
}

/** Decode an entry's files and check them against each other and the declared classes and ROI. */
export async function checkEntry(entry: SampleEntry, labeled: boolean, options: DatasetOptions): Promise<EntryCheck> {
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
  problems.push(...(await checkRoi(entry, image, options)));
  return { problems, ...(image ? { size: [image.height, image.width] as [number, number] } : {}) };
}

async function checkRoi(entry: SampleEntry, image: Raster | undefined, options: DatasetOptions): Promise<Problem[]> {
  const roi = options.roi;
  if (!roi) return [];
  if (roi.mode === 'threshold') {
    const channel = roi.channel ?? 0;
    if (image && channel >= image.channels) {
      return [{ code: 'GF_DATA_INVALID', message: `roi.channel ${channel} but the image has ${image.channels} channel(s)`, file: entry.imageFile, pointer: '/roi/channel', expected: `a channel < ${image.channels}` }];
    }
    return [];
  }
  if (!entry.readRoi) {
    return [{ code: 'GF_DATA_INVALID', message: `image has no ROI file (looked in ${roi.dir} for a name matching ${roi.pattern ?? 'the image stem'} with the image's key)`, file: entry.imageFile }];
  }
  let file: Raster;
  try {
    file = await entry.readRoi();
  } catch (e) {
    return [{ code: 'GF_DATA_INVALID', message: `cannot decode ROI file: ${(e as Error).message}`, file: entry.roiFile ?? entry.imageFile }];
  }
  if (image && (file.width !== image.width || file.height !== image.height)) {
    return [{ code: 'GF_DATA_INVALID', message: `ROI file is ${file.height}×${file.width} but its image ${entry.imageFile} is ${image.height}×${image.width}`, file: file.file, expected: `${image.height}×${image.width}` }];
  }
  return [];
}

function describeEncoding(o: DatasetOptions): string {
  if (o.mask.mode === 'index') return `integer class indices 0..${o.numClasses - 1}`;
  if (o.mask.mode === 'palette') return `one of the ${o.mask.palette.length} palette colours`;
  return 'a binary mask';
}
