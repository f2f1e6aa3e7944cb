import { GraphFlowError, type SegmentationModel } from '@graphflow/core';
import { MAX_OVERLAP, resolveInference, type InferenceOptions } from './inference-options';

/**
 * Inference options must suit the network before any work: overlap in [0, 0.9), a tile the network can take, batch
 * size ≥ 1. `pointer` is the JSON pointer of the `inference` object (e.g. `/stages/2/options/inference`); errors point
 * below it. `trainingSize` is the default tile.
 */
export function checkInferenceOptions(model: SegmentationModel, options: InferenceOptions | undefined, trainingSize: readonly [number, number] | undefined, pointer: string): void {
  const r = resolveInference(options, trainingSize);
  if (!(r.overlap >= 0 && r.overlap < MAX_OVERLAP)) {
    throw new GraphFlowError('GF_OPTIONS_INVALID', `inference.overlap ${r.overlap} is out of range: it must be in [0, ${MAX_OVERLAP})`, { pointer: `${pointer}/overlap` });
  }
  if (!Number.isInteger(r.batchSize) || r.batchSize < 1) {
    throw new GraphFlowError('GF_OPTIONS_INVALID', `inference.batchSize ${r.batchSize} must be an integer ≥ 1`, { pointer: `${pointer}/batchSize` });
  }
  if (r.mode === 'sliding-window' && !r.tile) {
    throw new GraphFlowError('GF_OPTIONS_INVALID', 'sliding-window inference needs inference.tile (there is no training input size to default to)', { pointer: `${pointer}/tile` });
  }
  if (!r.tile || r.mode === 'whole') return;
  const [th, tw] = r.tile;
  if (!Number.isInteger(th) || !Number.isInteger(tw) || th < 1 || tw < 1) {
    throw new GraphFlowError('GF_OPTIONS_INVALID', `inference.tile ${th}×${tw} must be positive integers`, { pointer: `${pointer}/tile` });
  }
  const problem = model.checkInputSize(th, tw);
  if (problem) {
    throw new GraphFlowError('GF_OPTIONS_INVALID', `inference.tile ${th}×${tw}${options?.tile === undefined ? ' (the training input size)' : ''} does not suit the network: ${problem}`, {
      pointer: `${pointer}/tile`,
    });
  }
}
