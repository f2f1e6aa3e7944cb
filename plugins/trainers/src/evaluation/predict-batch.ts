import type { Sample, SegmentationModel } from '@graphflow/core';
import { sampleImage } from '../inference/infer-samples';
import { wholeImageInference } from '../inference/whole-image';

/**
 * Class-index maps (HW each, row-major) for a group of equally sized samples, from one forward pass in inference
 * mode (zero-padded to a size the network accepts, cropped back). Tiled inference: see inference/infer-samples.
 */
export function predictSamples(model: SegmentationModel, samples: readonly Sample[]): Uint8Array[] {
  return wholeImageInference(model, samples.map(sampleImage), 'classes');
}
