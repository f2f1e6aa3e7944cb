import * as tf from '@tensorflow/tfjs';
import type { FeatureParaphraser, Optimizer, Param, SegmentationData, SegmentationModel, StageContext } from '@graphflow/core';
import { estimateTrainingMemory, layerShapes, tapShape, type LayerShapes, type TrainingMemoryEstimate } from '../training/memory-estimate';
import { assertTrainingFits } from '../training/memory-limit';

function paramCount(params: readonly Param[]): number {
  return params.reduce((sum, p) => sum + p.variable.size, 0);
}

/** Optimizers that do not say how many slots they keep are assumed to keep as many as Adam. */
function slots(optimizer: Optimizer): number {
  return optimizer.slotsPerParam ?? 2;
}

/** What every pre-flight knows of one update, whatever it trains. */
interface UpdateSetting {
  data: Pick<SegmentationData, 'inputSize' | 'channels' | 'numClasses'>;
  batchSize: number;
  unlabeled: boolean;
  optimizer: Optimizer;
}

/**
 * The estimate's inputs every pre-flight shares: one update's images at the data's size, the optimizer's slots and the
 * bytes already resident. With unlabeled training a labeled and an unlabeled batch go through one gradient computation.
 */
function updateInputs(p: UpdateSetting) {
  return {
    optimizerSlots: slots(p.optimizer),
    batchSize: p.batchSize * (p.unlabeled ? 2 : 1),
    inputSize: p.data.inputSize,
    channels: p.data.channels,
    numClasses: p.data.numClasses,
    residentBytes: tf.memory().numBytes,
  };
}

/**
 * Pre-flight of a stage that trains a segmentation network (stage/supervised, stage/distill): one step's memory
 * against the backend's limit, before the first step. Networks without a per-layer summary are not estimated; the
 * loop's runtime guard still covers them.
 */
export function checkStudentStageMemory(
  ctx: StageContext,
  p: UpdateSetting & { model: SegmentationModel; teacher?: SegmentationModel; params: readonly Param[] },
): TrainingMemoryEstimate | undefined {
  const [h, w] = p.data.inputSize;
  const shapes = layerShapes(p.model, h, w);
  if (!shapes) {
    ctx.logger.info(`${p.model.architecture} offers no layerSummary(): memory pre-flight skipped (the runtime guard still applies)`);
    return undefined;
  }
  const teacherShapes = p.teacher ? layerShapes(p.teacher, h, w) : undefined;
  const update = updateInputs(p);
  const estimate = estimateTrainingMemory({
    shapes,
    trainedParams: paramCount(p.params),
    ...update,
    ...(p.teacher && teacherShapes ? { teacher: { shapes: teacherShapes, taps: p.teacher.taps, numClasses: p.teacher.numClasses } } : {}),
  });
  assertTrainingFits(ctx, estimate, `${p.model.architecture} at ${h}×${w}, batch ${update.batchSize}${p.teacher ? `, teacher ${p.teacher.architecture}` : ''}`);
  return estimate;
}

/**
 * Pre-flight of stage/paraphraser: the teacher runs in inference mode, and the paraphraser's autoencoder is trained on
 * its taps. The paraphraser has no layer summary, so it is modelled as four layers at each encoded tap's size
 * (encoder and decoder, two each): rougher than the backbone estimate, which the runtime guard backs up.
 */
export function checkParaphraserStageMemory(
  ctx: StageContext,
  p: UpdateSetting & { teacher: SegmentationModel; paraphraser: FeatureParaphraser; params: readonly Param[] },
): TrainingMemoryEstimate | undefined {
  const [h, w] = p.data.inputSize;
  const teacherShapes = layerShapes(p.teacher, h, w);
  if (!teacherShapes) return undefined;
  const encoded = p.teacher.taps.filter((t) => p.paraphraser.teacherTaps.includes(t.name));
  const trainedParams = paramCount(p.params);
  const shapes: LayerShapes = {
    params: trainedParams,
    layers: encoded.flatMap((t) => Array.from({ length: 4 }, () => ({ outputShape: tapShape(t, h, w) }))),
  };
  const update = updateInputs(p);
  const estimate = estimateTrainingMemory({
    shapes,
    trainedParams,
    ...update,
    teacher: { shapes: teacherShapes, taps: encoded, numClasses: 0 },
  });
  assertTrainingFits(ctx, estimate, `paraphraser on ${p.teacher.architecture} taps at ${h}×${w}, batch ${update.batchSize}`);
  return estimate;
}
