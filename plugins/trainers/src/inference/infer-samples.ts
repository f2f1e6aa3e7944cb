import { GraphFlowError, scanNonFinite, type Sample, type SegmentationModel } from '@graphflow/core';
import { argmaxClasses } from './argmax';
import type { ImageArray, InferenceHealth, InferenceProfile } from './image-array';
import { usesSlidingWindow, type ResolvedInference } from './inference-options';
import { slidingWindowProbabilities } from './sliding-window';
import { wholeImageInference } from './whole-image';

export function sampleImage(s: Sample): ImageArray {
  return { data: s.image, height: s.height, width: s.width, channels: s.channels };
}

/**
 * Class-index maps (HW each) for a group of equally sized samples under `inference`: one padded forward for the group,
 * or tiles per sample (see usesSlidingWindow). Uint8 because class counts in medical segmentation stay far below 256.
 */
export function inferClasses(
  model: SegmentationModel,
  samples: readonly Sample[],
  inference: ResolvedInference,
  profile?: InferenceProfile,
  /** Skip tiles outside each sample's roi (evaluation only: see SlidingWindowOptions.skipOutside). */
  skipOutsideRoi = false,
  /** Counts images with non-finite logits (validation stops on them). */
  health?: InferenceHealth,
): Uint8Array[] {
  if (samples.length === 0) return [];
  const { height, width } = samples[0]!;
  if (!usesSlidingWindow(inference, height, width)) return wholeImageInference(model, samples.map(sampleImage), 'classes', profile, health);
  return samples.map((s) => {
    const probabilities = slidingWindowProbabilities(model, sampleImage(s), { ...slidingOptions(inference), ...(skipOutsideRoi && s.roi ? { skipOutside: s.roi } : {}) }, profile);
    // Non-finite logits make NaN probabilities, which blending carries into the result.
    if (health && scanNonFinite(probabilities, 0).count > 0) health.nonFiniteImages++;
    const t0 = performance.now();
    const classes = argmaxClasses(probabilities, model.numClasses);
    if (profile) profile.argmaxMs += performance.now() - t0;
    return classes;
  });
}

/** Softmax probabilities [H·W·K] of one image under `inference` (same choice of whole / tiles as inferClasses). */
export function inferProbabilities(model: SegmentationModel, image: ImageArray, inference: ResolvedInference, profile?: InferenceProfile): Float32Array {
  if (!usesSlidingWindow(inference, image.height, image.width)) return wholeImageInference(model, [image], 'probabilities', profile)[0]!;
  return slidingWindowProbabilities(model, image, slidingOptions(inference), profile);
}

function slidingOptions(r: ResolvedInference) {
  if (!r.tile) {
    throw new GraphFlowError('GF_OPTIONS_INVALID', 'sliding-window inference needs a tile size: give inference.tile (no training input size to default to)', { pointer: '/inference/tile' });
  }
  return { tile: r.tile, overlap: r.overlap, blend: r.blend, batchSize: r.batchSize };
}

/**
 * Groups a stream of samples into what inferClasses processes at once: runs of equally sized whole-image samples up
 * to `batchSize`, and single samples when they are tiled (their tiles are batched instead).
 */
export async function* inferenceGroups(samples: Iterable<Sample> | AsyncIterable<Sample>, batchSize: number, inference: ResolvedInference): AsyncIterable<Sample[]> {
  let pending: Sample[] = [];
  for await (const sample of samples) {
    if (pending.length > 0 && (pending[0]!.height !== sample.height || pending[0]!.width !== sample.width)) {
      yield pending;
      pending = [];
    }
    pending.push(sample);
    if (pending.length >= batchSize || usesSlidingWindow(inference, sample.height, sample.width)) {
      yield pending;
      pending = [];
    }
  }
  if (pending.length > 0) yield pending;
}

/**
 * Throws GF_WEIGHTS_NOT_FINITE when `health` counted images with NaN/Infinite logits: their class maps (argmax reads
 * NaN as class 0) and every metric computed from them would be meaningless, so nothing is reported instead.
 */
export function assertFiniteOutputs(model: SegmentationModel, health: InferenceHealth, what: string): void {
  if (health.nonFiniteImages === 0) return;
  throw new GraphFlowError(
    'GF_WEIGHTS_NOT_FINITE',
    `${model.architecture} produced NaN/Infinite logits on ${health.nonFiniteImages} image(s) while ${what}: its weights or batch-norm statistics have diverged; no result was written`,
  );
}
