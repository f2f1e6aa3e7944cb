import type { ComponentSpec, JsonSchema } from '@graphflow/core';
import type { LoopOptions } from '../training/training-loop';
import { DEFAULT_NON_FINITE, type NonFinitePolicy } from '../training/finite-guard';
import { DEFAULT_DIAGNOSTICS, type DiagnosticsOptions } from '../training/term-diagnostics';
import { inferenceOptionsSchema, type InferenceOptions } from '../inference/inference-options';

/** Options every training stage accepts (after schema defaults are filled in). */
export interface TrainingStageOptions {
  data: string;
  epochs: number;
  steps: number;
  batchSize: number;
  augment: boolean;
  dropLast: boolean;
  optimizer: ComponentSpec;
  schedule: ComponentSpec;
  clipGradNorm: number;
  clipGradValue: number;
  checkpointEvery: number;
  keepCheckpoints: number;
  validation: ValidationOptions;
  init?: string;
  logEverySteps: number;
  logEverySeconds: number;
  /** What a non-finite update does (see NonFiniteGuard); manifests default to `stop`. */
  onNonFinite?: NonFinitePolicy;
  /** Consecutive updates `skip-step` / `reduce-lr` may skip before the stage stops. */
  maxSkips?: number;
  /** Floor of the learning-rate factor under `reduce-lr`. */
  minLrFactor?: number;
  /** Per-term training diagnostics (student-training stages); manifests default to DEFAULT_DIAGNOSTICS, absent = none. */
  diagnostics?: DiagnosticsOptions;
}

export interface ValidationOptions {
  every: number;
  partition: 'val' | 'test';
  monitor: string;
  metrics: ComponentSpec[];
  patience: number;
  restoreBest: boolean;
  batchSize: number;
  /** Whole-image or tiled inference over the validation images (defaults apply when absent). */
  inference?: InferenceOptions;
}

const component = (kind: string, type: string, description: string): JsonSchema => ({
  type: 'object',
  gfComponent: kind,
  description,
  default: { type, options: {} },
});

/** JSON Schema properties shared by `stage/supervised`, `stage/paraphraser` and `stage/distill`. */
export function trainingOptionProperties(defaults: { monitor: string; metrics: ComponentSpec[]; validateEvery: number }): Record<string, JsonSchema> {
  return {
    data: { type: 'string', gfRef: 'data', default: 'data', description: 'The dataset to train on (its `train` split; `val` for validation).' },
    epochs: { type: 'integer', minimum: 1, default: 10, description: 'Passes over the train split.' },
    steps: { type: 'integer', minimum: 0, default: 0, description: 'Total optimizer updates; 0 means epochs × batches per epoch.' },
    batchSize: { type: 'integer', minimum: 1, default: 4, description: 'Images per update.' },
    augment: { type: 'boolean', default: true, description: "Apply the dataset's augmentation transforms to training batches." },
    dropLast: { type: 'boolean', default: false, description: 'Skip the last, smaller batch of each epoch (useful with batch norm).' },
    optimizer: component('optimizer', 'optimizer/adam', 'Optimizer of the trained parameters.'),
    schedule: component('schedule', 'schedule/poly', 'Learning-rate schedule (multiplies the optimizer lr per update).'),
    clipGradNorm: { type: 'number', minimum: 0, default: 0, description: 'Rescale gradients when their global L2 norm exceeds this; 0 = off.' },
    clipGradValue: { type: 'number', minimum: 0, default: 0, description: 'Clamp each gradient element to ±this; 0 = off (ignored when clipGradNorm is set).' },
    checkpointEvery: { type: 'integer', minimum: 0, default: 0, description: 'Also checkpoint every N updates (checkpoints are always written at epoch ends).' },
    keepCheckpoints: { type: 'integer', minimum: 1, default: 2, description: 'Checkpoints kept on disk (newest first).' },
    validation: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Validation during training and best-weights selection.',
      properties: {
        every: { type: 'integer', minimum: 0, default: defaults.validateEvery, description: 'Validate every N epochs (and after the last); 0 = never.' },
        partition: { type: 'string', enum: ['val', 'test'], default: 'val', description: 'Split to validate on.' },
        monitor: { type: 'string', default: defaults.monitor, description: 'Metric selecting the best weights, e.g. `dice`, `iou`, `hd95`, or `dice/<class name>`.' },
        metrics: {
          type: 'array',
          items: { type: 'object', gfComponent: 'metric' },
          default: defaults.metrics,
          description: 'Metrics computed at validation.',
        },
        patience: { type: 'integer', minimum: 0, default: 0, description: 'Stop after this many validations without improvement; 0 = never stop early.' },
        restoreBest: { type: 'boolean', default: true, description: 'End the stage with the best validated weights rather than the last.' },
        batchSize: { type: 'integer', minimum: 1, default: 4, description: 'Images per inference batch during validation.' },
        inference: inferenceOptionsSchema,
      },
    },
    init: { type: 'string', minLength: 1, description: 'Start from weights of an earlier run: a stage folder, its final/ or best/, or a checkpoint folder.' },
    logEverySteps: { type: 'integer', minimum: 1, default: 10, description: 'Progress log line interval (updates) when not on a terminal.' },
    logEverySeconds: { type: 'number', minimum: 0, default: 30, description: 'Progress log line interval (seconds) when not on a terminal.' },
    onNonFinite: {
      type: 'string',
      enum: ['stop', 'skip-step', 'reduce-lr'],
      default: DEFAULT_NON_FINITE.policy,
      description:
        'What an update whose loss terms, gradients or batch-norm statistics are NaN/Infinite does. `stop`: the stage stops (GF_LOSS_NOT_FINITE or GF_WEIGHTS_NOT_FINITE) before applying it. `skip-step`: the update is dropped (weights, optimizer state and batch-norm statistics stay as they were), logged as a warning and counted, and training continues; more than `maxSkips` in a row stop the stage. `reduce-lr`: as `skip-step`, and each skipped update also halves the learning rate for the rest of the stage, down to `minLrFactor` × lr. Under every policy, weights that are non-finite after an applied update, or NaN logits in validation, stop the stage with GF_WEIGHTS_NOT_FINITE, and no checkpoint or best/ / final/ snapshot ever holds non-finite values.',
    },
    maxSkips: { type: 'integer', minimum: 1, default: DEFAULT_NON_FINITE.maxSkips, description: 'With `onNonFinite` `skip-step` or `reduce-lr`: consecutive updates that may be skipped; one more stops the stage.' },
    minLrFactor: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: DEFAULT_NON_FINITE.minLrFactor, description: 'With `onNonFinite` `reduce-lr`: the learning rate is never reduced below this fraction of its scheduled value.' },
    diagnostics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'Per-term diagnostics of stage/supervised and stage/distill (stage/paraphraser has a single term and ignores them). Always logged, at no extra cost: parts of terms that have them (`graph-flow/vertex`, `graph-flow/edge`) and each adversary\'s `accuracy`, `scoreTeacher`, `scoreStudent`.',
      properties: {
        every: {
          type: 'integer',
          minimum: 0,
          default: DEFAULT_DIAGNOSTICS.every,
          description: "Every N updates (from the first), log each term's share of the student's gradient norm, `<term>/gradShare` = ‖w·∇L_term‖ / Σ‖w·∇L‖, and `<term>/gradNorm`. Costs one extra forward + backward pass per term on those updates; 0 = off.",
        },
      },
    },
  };
}

export function loopOptions(o: TrainingStageOptions, extra: { higherIsBetter: boolean; unlabeled: boolean; hasValidation: boolean }): LoopOptions {
  return {
    epochs: o.epochs,
    steps: o.steps,
    batchSize: o.batchSize,
    augment: o.augment,
    dropLast: o.dropLast,
    checkpointEvery: o.checkpointEvery,
    keepCheckpoints: o.keepCheckpoints,
    validateEvery: extra.hasValidation ? o.validation.every : 0,
    monitor: o.validation.monitor,
    higherIsBetter: extra.higherIsBetter,
    patience: o.validation.patience,
    restoreBest: o.validation.restoreBest,
    unlabeled: extra.unlabeled,
    progress: { logEverySteps: o.logEverySteps, logEverySeconds: o.logEverySeconds },
    nonFinite: { policy: o.onNonFinite ?? DEFAULT_NON_FINITE.policy, maxSkips: o.maxSkips ?? DEFAULT_NON_FINITE.maxSkips, minLrFactor: o.minLrFactor ?? DEFAULT_NON_FINITE.minLrFactor },
  };
}

/** Defaults applied when a stage is constructed directly (tests, CLI helpers) rather than from a manifest. */
export function defaultTrainingOptions(overrides: Partial<TrainingStageOptions> = {}): TrainingStageOptions {
  return {
    data: 'data',
    epochs: 1,
    steps: 0,
    batchSize: 2,
    augment: false,
    dropLast: false,
    optimizer: { type: 'optimizer/adam', options: {} },
    schedule: { type: 'schedule/poly', options: {} },
    clipGradNorm: 0,
    clipGradValue: 0,
    checkpointEvery: 0,
    keepCheckpoints: 2,
    logEverySteps: 10,
    logEverySeconds: 30,
    ...overrides,
    validation: { every: 0, partition: 'val', monitor: 'dice', metrics: [], patience: 0, restoreBest: true, batchSize: 4, ...(overrides.validation ?? {}) },
  };
}
