import * as path from 'node:path';
import type { Sample, SegmentationModel } from '@graphflow/core';
import { assertFiniteOutputs, inferClasses, inferenceGroups } from '../inference/infer-samples';
import { resolveInference, type InferenceOptions } from '../inference/inference-options';
import { renderOverlay, writeMaskPng } from '../figures/overlay';

export interface PredictOptions {
  outDir: string;
  batchSize?: number;
  /** Also write `<id>.overlay.png` (image | [ground truth] | prediction). */
  overlays?: boolean;
  /** Mask PNG values: class indices (exact, default) or spread over 0–255 for viewing. */
  scaledMasks?: boolean;
  /** Whole-image or tiled inference (default `auto`). */
  inference?: InferenceOptions;
  /**
   * The size the model was trained on (the data's `inputSize`): the default tile, and what `auto` compares images with.
   * Absent: `auto` runs every image whole, and sliding window needs `inference.tile`.
   */
  trainingSize?: readonly [number, number];
}

export interface PredictedFile {
  id: string;
  mask: string;
  overlay?: string;
}

/**
 * Predicts class maps for samples and writes `<id>.mask.png` (8-bit, pixel = class index) and optionally an overlay.
 * Samples are processed in batches of equal size, or tiled (see `inference`); the model runs in inference mode.
 * Pixels outside a sample's `roi` are written as background. NaN/Infinite logits are GF_WEIGHTS_NOT_FINITE, not masks.
 */
export async function predictImages(model: SegmentationModel, samples: Iterable<Sample> | AsyncIterable<Sample>, options: PredictOptions): Promise<PredictedFile[]> {
  const batchSize = options.batchSize ?? 4;
  const inference = resolveInference(options.inference, options.trainingSize);
  const written: PredictedFile[] = [];
  for await (const group of inferenceGroups(samples, batchSize, inference)) {
    const health = { nonFiniteImages: 0 };
    const masks = inferClasses(model, group, inference, undefined, false, health);
    assertFiniteOutputs(model, health, 'predicting');
    // Outside the region of interest (a fundus camera's dark surround) nothing was trained or is measured: background.
    group.forEach((sample, i) => {
      if (sample.roi) for (let p = 0; p < sample.roi.length; p++) if (sample.roi[p] === 0) masks[i]![p] = 0;
    });
    for (const [i, sample] of group.entries()) {
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
  }
  return written;
}
