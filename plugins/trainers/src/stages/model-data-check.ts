import { GraphFlowError, type SegmentationData, type SegmentationModel } from '@graphflow/core';
import { checkInferenceOptions } from '../inference/check-inference';
import type { InferenceOptions } from '../inference/inference-options';

/**
 * A network and a dataset must agree on channels, classes and the training input size; with `inference`, the tile
 * evaluation and prediction run it on is checked too (`inference.pointer` locates the `inference` object). Checked
 * before any training or evaluation work.
 */
export function checkModelFitsData(model: SegmentationModel, data: SegmentationData, pointer: string, inference?: { options?: InferenceOptions | undefined; pointer: string }): void {
  const problems: string[] = [];
  if (model.inChannels !== data.channels) problems.push(`the network takes ${model.inChannels} input channel(s), the data has ${data.channels}`);
  if (model.numClasses !== data.numClasses) problems.push(`the network predicts ${model.numClasses} classes, the data has ${data.numClasses}`);
  const sizeProblem = model.checkInputSize(data.inputSize[0], data.inputSize[1]);
  if (sizeProblem) problems.push(`training input size: ${sizeProblem}`);
  if (problems.length > 0) {
    throw new GraphFlowError('GF_OPTIONS_INVALID', `${model.architecture} does not fit the dataset: ${problems.join('; ')}`, { pointer });
  }
  if (inference) checkInferenceOptions(model, inference.options, data.inputSize, inference.pointer);
}
