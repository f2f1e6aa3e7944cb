import * as path from 'node:path';
import type { Sample, SegmentationModel } from '@graphflow/core';
import { predictSamples } from '../evaluation/predict-batch';
import { renderOverlay, writeMaskPng } from '../figures/overlay';

export interface PredictOptions {
  outDir: string;
  batchSize?: number;
  /** Also write `<id>.overlay.png` (image | [ground truth] | prediction). */
  overlays?: boolean;
  /** Mask PNG values: class indices (exact, default) or spread over 0–255 for viewing. */
  scaledMasks?: boolean;
}

export interface PredictedFile {
  id: string;
  mask: string;
  overlay?: string;
}

/**
 * Predicts class maps for samples and writes `<id>.mask.png` (8-bit, pixel = class index) and optionally an overlay.
 * Samples are processed in batches of equal size; the model runs in inference mode.
 */
export async function predictImages(model: SegmentationModel, samples: Iterable<Sample> | AsyncIterable<Sample>, options: PredictOptions): Promise<PredictedFile[]> {
  const batchSize = options.batchSize ?? 4;
  const written: PredictedFile[] = [];
  let pending: Sample[] = [];
  const flush = async () => {
    const masks = predictSamples(model, pending);
    for (const [i, sample] of pending.entries()) {
      const safe = sample.id.replace(/[^A-Za-z0-9._-]+/g, '_');
      const maskFile = path.join(options.outDir, `${safe}.mask.png`);
      await writeMaskPng(masks[i]!, sample.height, sample.width, maskFile, model.numClasses, options.scaledMasks ?? false);
      const entry: PredictedFile = { id: sample.id, mask: maskFile };
      if (options.overlays ?? true) {
        entry.overlay = path.join(options.outDir, `${safe}.overlay.png`);
        await renderOverlay(
          { data: sample.image, height: sample.height, width: sample.width, channels: sample.channels },
          [{ title: 'image' }, ...(sample.mask ? [{ title: 'ground truth', mask: sample.mask }] : []), { title: 'prediction', mask: masks[i]! }],
          entry.overlay,
        );
      }
      written.push(entry);
    }
    pending = [];
  };
  for await (const sample of samples) {
    if (pending.length > 0 && (pending[0]!.height !== sample.height || pending[0]!.width !== sample.width)) await flush();
    pending.push(sample);
    if (pending.length >= batchSize) await flush();
  }
  if (pending.length > 0) await flush();
  return written;
}
