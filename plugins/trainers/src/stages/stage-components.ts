import type { Optimizer, Schedule } from '@graphflow/core';
import { defineComponent, type ComponentContext, type ComponentDefinition, type ComponentSpec, type JsonSchema, type LossTerm, type Metric, type OptionRuleViolation, type Stage } from '@graphflow/core';
import { uniqueLossNames, type WeightedLoss } from '../training/weighted-loss';
import { DEFAULT_LEARNED_FLOOR } from '../evaluation/learned-classes';
import { inferenceOptionsSchema } from '../inference/inference-options';
import { EvaluateStage, type EvaluateStageOptions } from './evaluate-stage';
import { ParaphraserStage, type ParaphraserStageOptions } from './paraphraser-stage';
import { PredictStage, type PredictStageOptions } from './predict-stage';
import { StudentTrainingStage, type StudentTrainingOptions } from './student-training-stage';
import { trainingOptionProperties, type TrainingStageOptions } from './training-options';

const DEFAULT_METRICS: ComponentSpec[] = [
  { type: 'metric/dice', options: {} },
  { type: 'metric/iou', options: {} },
  { type: 'metric/accuracy', options: {} },
  { type: 'metric/hd95', options: {} },
];

export interface LossEntry {
  type: string;
  options?: Record<string, unknown>;
  weight: number;
  name?: string;
  weightSchedule?: ComponentSpec;
}

const lossesSchema: JsonSchema = {
  type: 'array',
  minItems: 1,
  description: 'Weighted loss terms summed into the training objective; each is logged separately.',
  items: {
    type: 'object',
    gfComponent: 'loss',
    additionalProperties: false,
    required: ['type'],
    properties: {
      type: { type: 'string', description: 'Loss component, e.g. `loss/dice-ce`, `loss/graph-flow`.' },
      options: { type: 'object', default: {}, description: "The loss component's options." },
      weight: { type: 'number', minimum: 0, default: 1, description: 'Weight of the term in the sum.' },
      name: { type: 'string', minLength: 1, description: 'Name in logs and reports (default: the loss id).' },
      weightSchedule: { type: 'object', gfComponent: 'schedule', description: 'Schedule multiplying the weight per update (e.g. ramp a term in).' },
    },
  },
};

const modelRef = (description: string): JsonSchema => ({ type: 'string', gfRef: 'models', description });

/** `validation.monitor` must name a validation metric (optionally `/<class>`), checked before any work. */
function monitorRule(o: TrainingStageOptions, extra: string[] = []): OptionRuleViolation[] {
  if (o.validation.every === 0) return [];
  const names = [
    ...o.validation.metrics.map((m) => {
      const base = m.type.replace(/^metric\//, '');
      const p = (m.options as { percentile?: number } | undefined)?.percentile;
      return base === 'hd95' && p !== undefined && p !== 95 ? `hd${p}` : base;
    }),
    ...extra,
  ];
  const monitored = o.validation.monitor.split('/')[0]!;
  return names.includes(monitored)
    ? []
    : [{ pointer: '/validation/monitor', message: `"${o.validation.monitor}" is not among the validation metrics`, expected: names.map((n) => `"${n}"`).join(' | ') || 'a metric listed in validation.metrics' }];
}

async function buildLosses(entries: LossEntry[], ctx: ComponentContext): Promise<WeightedLoss[]> {
  // A term's path is its name, not its position: the path seeds the term's own random draws (a discriminator's or a
  // projection's initial weights), so adding, removing or reordering other terms leaves this one's start unchanged.
  const at = uniqueLossNames(entries.map((e) => e.name ?? e.type.replace(/^[^/]*\//, ''))).map((key) => `${ctx.path}.losses.${key}`);
  const terms: LossTerm[] = [];
  for (const [i, e] of entries.entries()) terms.push(await ctx.build<LossTerm>({ type: e.type, options: e.options ?? {} }, at[i]!));
  const names = uniqueLossNames(entries.map((e, i) => e.name ?? terms[i]!.id));
  const out: WeightedLoss[] = [];
  for (const [i, e] of entries.entries()) {
    const weightSchedule = e.weightSchedule ? await ctx.build<Schedule>(e.weightSchedule, `${at[i]!}.weightSchedule`) : undefined;
    out.push({ name: names[i]!, term: terms[i]!, weight: e.weight, ...(weightSchedule ? { weightSchedule } : {}) });
  }
  return out;
}

async function buildMetrics(specs: ComponentSpec[], ctx: ComponentContext, at: string): Promise<Metric[]> {
  const out: Metric[] = [];
  for (const [i, s] of specs.entries()) out.push(await ctx.build<Metric>(s, `${ctx.path}.${at}.${i}`));
  return out;
}

type SupervisedOptions = TrainingStageOptions & { model: string; losses: LossEntry[] };
type DistillOptions = TrainingStageOptions & { student: string; teacher: string; losses: LossEntry[]; unlabeled: boolean; adversaryOptimizer: ComponentSpec };

async function studentStage(kind: 'supervised' | 'distill', o: TrainingStageOptions & { losses: LossEntry[] }, full: StudentTrainingOptions, ctx: ComponentContext, adversaryOptimizer?: ComponentSpec): Promise<Stage> {
  const losses = await buildLosses(o.losses, ctx);
  const adversaryOptimizers: Optimizer[] = [];
  for (const l of losses) {
    if (l.term.adversary) adversaryOptimizers.push(await ctx.build<Optimizer>(adversaryOptimizer ?? o.optimizer, `${ctx.path}.adversaryOptimizer.${l.name}`));
  }
  return new StudentTrainingStage(kind, full, {
    losses,
    optimizer: await ctx.build<Optimizer>(o.optimizer, `${ctx.path}.optimizer`),
    schedule: await ctx.build<Schedule>(o.schedule, `${ctx.path}.schedule`),
    metrics: o.validation.every > 0 ? await buildMetrics(o.validation.metrics, ctx, 'validation.metrics') : [],
    adversaryOptimizers,
  });
}

export const supervisedStageComponent: ComponentDefinition<SupervisedOptions, Stage> = defineComponent<SupervisedOptions, Stage>({
  kind: 'stage',
  name: 'supervised',
  trains: 'model',
  description: 'Train a network (teacher, or a student from scratch) on labeled data with weighted losses.',
  docs: 'Custom training loop: weighted loss terms, optimizer + schedule, gradient clipping, validation with best-weights selection and early stopping, checkpoints every N updates and at epoch ends, exact resume. Final weights: `<stage dir>/final/`.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['model', 'losses'],
    properties: {
      model: modelRef('The network to train, e.g. `models.teacher`.'),
      losses: lossesSchema,
      ...trainingOptionProperties({ monitor: 'dice', metrics: DEFAULT_METRICS, validateEvery: 1 }),
    },
  },
  rules: (o) => monitorRule(o),
  create: (o, ctx) => studentStage('supervised', o, { ...o, unlabeled: false }, ctx),
});

export const distillStageComponent: ComponentDefinition<DistillOptions, Stage> = defineComponent<DistillOptions, Stage>({
  kind: 'stage',
  name: 'distill',
  trains: 'student',
  description: 'Distill a student from a frozen teacher (supervised + distillation + adversarial terms, optional unlabeled data).',
  docs:
    'Trains the student and the loss terms’ own variables (translators) jointly with one optimizer; the teacher (and any paraphraser the losses use) stays frozen. Adversarial terms’ discriminators are updated with `adversaryOptimizer` at their update ratio. With `unlabeled: true`, each update also draws a batch from the `unlabeled` split that only label-free terms see (semi-supervised setting).',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['student', 'teacher', 'losses'],
    properties: {
      student: modelRef('The student network to train.'),
      teacher: modelRef('The frozen teacher network.'),
      losses: lossesSchema,
      unlabeled: { type: 'boolean', default: false, description: 'Also train on the `unlabeled` split with the terms that need no labels.' },
      adversaryOptimizer: {
        type: 'object',
        gfComponent: 'optimizer',
        default: { type: 'optimizer/adam', options: { lr: 2e-3, beta1: 0.5 } },
        description:
          'Optimizer of each adversarial term’s discriminator (its lr follows the stage schedule). The default lr 2e-3 lets a spectrally normalised discriminator separate teacher from student maps within ~10 updates; at 1e-4 it stayed at chance (hinge loss 2.00) for a whole quickstart-sized run.',
      },
      ...trainingOptionProperties({ monitor: 'dice', metrics: DEFAULT_METRICS, validateEvery: 1 }),
    },
  },
  rules: (o) => [
    ...monitorRule(o),
    ...(o.student === o.teacher ? [{ pointer: '/student', message: 'student and teacher are the same model', expected: 'two different models' }] : []),
  ],
  create: (o, ctx) => studentStage('distill', o, { ...o, model: o.student, teacher: o.teacher }, ctx, o.adversaryOptimizer),
});

type ParaphraserComponentOptions = ParaphraserStageOptions;

export const paraphraserStageComponent: ComponentDefinition<ParaphraserComponentOptions, Stage> = defineComponent<ParaphraserComponentOptions, Stage>({
  kind: 'stage',
  name: 'paraphraser',
  description: 'Train a feature paraphraser to reconstruct the frozen teacher’s taps (factor transfer).',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['teacher', 'paraphraser'],
    properties: {
      teacher: modelRef('The frozen teacher whose taps are reconstructed.'),
      paraphraser: modelRef('The `module/paraphraser` to train.'),
      unlabeled: { type: 'boolean', default: false, description: 'Also reconstruct the teacher’s features of the `unlabeled` split (semi-supervised setting: the paraphraser needs no labels).' },
      ...trainingOptionProperties({ monitor: 'reconstruction', metrics: [], validateEvery: 0 }),
    },
  },
  rules: (o) => monitorRule(o, ['reconstruction']),
  create: async (o, ctx) =>
    new ParaphraserStage(o, { optimizer: await ctx.build<Optimizer>(o.optimizer, `${ctx.path}.optimizer`), schedule: await ctx.build<Schedule>(o.schedule, `${ctx.path}.schedule`) }),
});

type EvaluateComponentOptions = EvaluateStageOptions & { metrics: ComponentSpec[] };

export const evaluateStageComponent: ComponentDefinition<EvaluateComponentOptions, Stage> = defineComponent<EvaluateComponentOptions, Stage>({
  kind: 'stage',
  name: 'evaluate',
  description: 'Evaluate models (Dice, IoU, accuracy, HD95 per class, case and volume), report sizes, write overlay figures.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['models'],
    properties: {
      models: { type: 'array', minItems: 1, items: modelRef('A model to evaluate.'), description: 'Models to evaluate, shown side by side in overlays (e.g. teacher, student).' },
      data: { type: 'string', gfRef: 'data', default: 'data', description: 'The dataset.' },
      partition: { type: 'string', enum: ['val', 'test', 'train'], default: 'test', description: 'Split to evaluate.' },
      metrics: { type: 'array', items: { type: 'object', gfComponent: 'metric' }, default: DEFAULT_METRICS, description: 'Metrics to compute.' },
      batchSize: { type: 'integer', minimum: 1, default: 4, description: 'Images per inference batch.' },
      overlays: { type: 'integer', minimum: 0, default: 4, description: 'Overlay figures for the first N samples.' },
      sliceSpacing: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Distance between slices for 3-D HD95 when samples do not state it.' },
      compare: {
        type: 'object',
        additionalProperties: false,
        required: ['baseline', 'candidate'],
        description: 'State plainly whether `candidate` beats `baseline` on `metric` (e.g. the distilled student vs the same student trained alone).',
        properties: {
          baseline: { type: 'string', gfRef: 'models', description: 'The reference model, e.g. `models.studentAlone`.' },
          candidate: { type: 'string', gfRef: 'models', description: 'The model expected to be better, e.g. `models.student`.' },
          metric: { type: 'string', default: 'dice', description: 'Metric compared (its mean over foreground classes).' },
          learnedFloor: {
            type: 'number',
            minimum: 0,
            maximum: 1,
            default: DEFAULT_LEARNED_FLOOR,
            description: 'Foreground Dice below which a model has not learned a class; when neither model reaches it, the verdict names no winner (needs metric/dice).',
          },
        },
      },
      inference: inferenceOptionsSchema,
    },
  },
  rules: (o) => {
    if (!o.compare) return [];
    const out: OptionRuleViolation[] = [];
    if (!o.models.includes(o.compare.baseline)) out.push({ pointer: '/compare/baseline', message: `"${o.compare.baseline}" is not among the evaluated models`, expected: o.models.join(' | ') });
    if (!o.models.includes(o.compare.candidate)) out.push({ pointer: '/compare/candidate', message: `"${o.compare.candidate}" is not among the evaluated models`, expected: o.models.join(' | ') });
    const names = o.metrics.map((m) => m.type.replace(/^metric\//, ''));
    if (!names.includes(o.compare.metric)) out.push({ pointer: '/compare/metric', message: `"${o.compare.metric}" is not among the metrics`, expected: names.join(' | ') });
    return out;
  },
  create: async (o, ctx) => new EvaluateStage(o, await buildMetrics(o.metrics, ctx, 'metrics')),
});

export const predictStageComponent: ComponentDefinition<PredictStageOptions, Stage> = defineComponent<PredictStageOptions, Stage>({
  kind: 'stage',
  name: 'predict',
  description: 'Write predicted masks (PNG, pixel = class index) and overlays for a split.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['model'],
    properties: {
      model: modelRef('The model to predict with.'),
      data: { type: 'string', gfRef: 'data', default: 'data', description: 'The dataset.' },
      partition: { type: 'string', enum: ['train', 'val', 'test', 'unlabeled'], default: 'test', description: 'Split to predict.' },
      batchSize: { type: 'integer', minimum: 1, default: 4, description: 'Images per inference batch.' },
      overlays: { type: 'boolean', default: true, description: 'Also write overlay figures.' },
      scaledMasks: { type: 'boolean', default: false, description: 'Spread class indices over 0–255 in mask PNGs (for viewing) instead of storing them exactly.' },
      inference: inferenceOptionsSchema,
    },
  },
  create: (o) => new PredictStage(o),
});
