import { definePlugin, type ComponentDefinition } from '@graphflow/core';
import { accuracyComponent, diceComponent, hd95Component, iouComponent } from './metrics/metric-components';
import { adamComponent, adamwComponent, sgdComponent } from './optim/optimizer-components';
import { constantComponent, cosineComponent, polyComponent, stepComponent } from './schedules/schedule-components';
import { evaluateToolComponent, exportToolComponent, predictToolComponent } from './tools/tool-components';
import { distillStageComponent, evaluateStageComponent, paraphraserStageComponent, predictStageComponent, supervisedStageComponent } from './stages/stage-components';

/** Every component this plugin registers, in registration order. */
export const TRAINER_COMPONENTS: readonly ComponentDefinition<never, unknown>[] = [
  supervisedStageComponent,
  paraphraserStageComponent,
  distillStageComponent,
  evaluateStageComponent,
  predictStageComponent,
  adamComponent,
  adamwComponent,
  sgdComponent,
  polyComponent,
  cosineComponent,
  stepComponent,
  constantComponent,
  diceComponent,
  iouComponent,
  accuracyComponent,
  hd95Component,
  evaluateToolComponent,
  predictToolComponent,
  exportToolComponent,
];

export default definePlugin({
  name: '@graphflow/trainers',
  version: '0.1.0',
  graphflow: '^0.1.0',
  register(api) {
    for (const c of TRAINER_COMPONENTS) api.component(c as Parameters<typeof api.component>[0]);
  },
});

// The functions behind tool/predict, tool/evaluate and tool/export, for scripts that call them directly.
export { predictImages, type PredictOptions, type PredictedFile } from './predict/predict-images';
export { loadImageFiles, type ImageFileOptions } from './predict/image-files';
export { evaluateModel, flattenSummary, type EvaluateOptions, type EvaluationResult, type CaseResult } from './evaluation/evaluate-model';
export { evaluationTable } from './evaluation/evaluation-report';
export { exportModel, type ExportOptions, type ModelCard } from './export/export-model';

// Building blocks for other plugins and tools.
export { loadSnapshot, saveSnapshot } from './checkpoint/final-weights';
export { CheckpointStore, type CheckpointState, type TrainingPosition } from './checkpoint/checkpoint-store';
export type { Optimizer, Param, OptimizerState, Schedule } from '@graphflow/core';
export { DiceMetric } from './metrics/dice';
export { IouMetric } from './metrics/iou';
export { AccuracyMetric } from './metrics/accuracy';
export { Hd95Metric } from './metrics/hd95';
export { euclideanDistanceTransform } from './metrics/euclidean-distance-transform';
export { renderOverlay, writeMaskPng } from './figures/overlay';
export { writeLossCurve } from './figures/loss-curve';
