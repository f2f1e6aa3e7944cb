import type { Optimizer, Schedule } from '@graphflow/core';
import * as path from 'node:path';
import { GraphFlowError, deriveRng, type Metric, type SegmentationData, type SegmentationModel, type Stage, type StageContext, type StageResult } from '@graphflow/core';
import { loadSnapshot, saveSnapshot } from '../checkpoint/final-weights';
import type { NamedOptimizer } from '../checkpoint/checkpoint-store';
import { evaluateModel, flattenSummary } from '../evaluation/evaluate-model';
import { writeLossCurve } from '../figures/loss-curve';
import { adversaryParams, lossPart, modelPart, type TrainablePart } from '../training/trainable-part';
import { studentStep, type AdversaryTrainer } from '../training/student-step';
import { TrainingLoop, type LoopResult } from '../training/training-loop';
import type { WeightedLoss } from '../training/weighted-loss';
import { withSeededRandom } from '../training/seeded-step-random';
import { loopOptions, type TrainingStageOptions } from './training-options';
import { checkModelFitsData } from './model-data-check';
import { checkStudentStageMemory } from './memory-preflight';
import { interruptedReport, trainingReport } from './training-report';

export interface StudentTrainingOptions extends TrainingStageOptions {
  /** Reference of the trained network (`model` for stage/supervised, `student` for stage/distill). */
  model: string;
  /** Frozen teacher (stage/distill only). */
  teacher?: string;
  /** Also train on the `unlabeled` split with the terms that need no labels. */
  unlabeled: boolean;
}

export interface StudentTrainingDeps {
  losses: WeightedLoss[];
  optimizer: Optimizer;
  schedule: Schedule;
  metrics: Metric[];
  /** One optimizer per adversarial term, in the order those terms appear in `losses`. */
  adversaryOptimizers: Optimizer[];
}

/**
 * Trains a segmentation network with a weighted sum of loss terms: `stage/supervised` (no teacher) and
 * `stage/distill` (frozen teacher, distillation terms with their translators trained jointly, adversaries with their
 * own optimizer, optional unlabeled data). The trained weights stay in the shared model instance, so later stages
 * referencing it see them; they are also saved to `<stage dir>/final/`.
 */
export class StudentTrainingStage implements Stage {
  constructor(private readonly kind: 'supervised' | 'distill', private readonly options: StudentTrainingOptions, private readonly deps: StudentTrainingDeps) {}

  async preflight(ctx: StageContext): Promise<void> {
    await this.fitted(ctx);
  }

  /** The stage's networks and data, checked against each other (also before any stage runs: see preflight). */
  private async fitted(ctx: StageContext): Promise<{ model: SegmentationModel; data: SegmentationData; teacher: SegmentationModel | undefined }> {
    const { options } = this;
    const model = await ctx.resolve<SegmentationModel>(options.model);
    const data = await ctx.resolve<SegmentationData>(options.data);
    const teacher = options.teacher ? await ctx.resolve<SegmentationModel>(options.teacher) : undefined;
    checkModelFitsData(model, data, `/stages/${ctx.index}/options/model`, { options: options.validation.inference, pointer: `/stages/${ctx.index}/options/validation/inference` });
    if (teacher) checkModelFitsData(teacher, data, `/stages/${ctx.index}/options/teacher`);
    return { model, data, teacher };
  }

  async run(ctx: StageContext): Promise<StageResult> {
    const { options, deps } = this;
    const { model, data, teacher } = await this.fitted(ctx);
    if (options.init) await loadSnapshot(options.init, [modelPart('model', model)], { logger: ctx.logger });

    const [h, w] = data.inputSize;
    for (const [i, loss] of deps.losses.entries()) {
      const req = loss.term.requirements();
      if (req.teacher && !teacher) {
        throw new GraphFlowError('GF_OPTIONS_INVALID', `loss "${loss.name}" needs a teacher, but stage/${this.kind} has none (use stage/distill with a teacher)`, {
          pointer: `/options/losses/${i}`,
        });
      }
      await loss.term.bind({ student: model, ...(teacher ? { teacher } : {}), inputSize: data.inputSize, numClasses: data.numClasses, channels: data.channels });
    }
    if (options.unlabeled && deps.losses.every((l) => l.term.requirements().labels)) {
      throw new GraphFlowError('GF_OPTIONS_INVALID', 'unlabeled training is on but every loss term needs labels, so unlabeled batches would contribute nothing', {
        pointer: '/options/unlabeled',
      });
    }

    const parts: TrainablePart[] = [modelPart('model', model), ...deps.losses.map((l) => lossPart(l.term, l.name)).filter((p): p is TrainablePart => p !== undefined)];
    const trainedParams = () => parts.flatMap((p) => p.params());
    const adversaryTerms = deps.losses.filter((l) => l.term.adversary);
    const adversaries: AdversaryTrainer[] = adversaryTerms.map((l, i) => ({ name: l.name, term: l.term, optimizer: deps.adversaryOptimizers[i]!, params: () => adversaryParams(l.term, l.name) }));
    const optimizers: NamedOptimizer[] = [
      { name: 'main', optimizer: deps.optimizer, params: trainedParams },
      ...adversaries.map((a) => ({ name: `adversary.${a.name}`, optimizer: a.optimizer, params: a.params })),
    ];
    // Manifests get the schema default (DEFAULT_DIAGNOSTICS); a stage constructed without the option runs none.
    // With a single term its share is 1 by definition: the extra backward pass would measure nothing.
    const diagnostics = deps.losses.length > 1 ? (options.diagnostics ?? { every: 0 }) : { every: 0 };
    const clip = options.clipGradNorm > 0 ? { mode: 'norm' as const, max: options.clipGradNorm } : options.clipGradValue > 0 ? { mode: 'value' as const, max: options.clipGradValue } : null;
    const monitorMetric = deps.metrics.find((m) => options.validation.monitor === m.name || options.validation.monitor.startsWith(`${m.name}/`));
    const hasValidation = deps.metrics.length > 0 && data.size(options.validation.partition) > 0;
    if (options.validation.every > 0 && deps.metrics.length > 0 && !hasValidation) {
      ctx.logger.warn({ partition: options.validation.partition }, 'validation requested but the split is empty: training without validation or best-weights selection');
    }
    if (hasValidation && options.validation.every > 0 && !monitorMetric) {
      throw new GraphFlowError('GF_OPTIONS_INVALID', `validation.monitor "${options.validation.monitor}" is not one of the validation metrics (${deps.metrics.map((m) => m.name).join(', ')})`, {
        pointer: '/options/validation/monitor',
      });
    }

    checkStudentStageMemory(ctx, {
      model,
      ...(teacher ? { teacher } : {}),
      data,
      batchSize: options.batchSize,
      unlabeled: options.unlabeled,
      params: [...trainedParams(), ...adversaries.flatMap((a) => a.params())],
      optimizer: deps.optimizer,
    });
    const loop = new TrainingLoop(ctx, data, loopOptions(options, { higherIsBetter: monitorMetric?.higherIsBetter ?? true, unlabeled: options.unlabeled, hasValidation }), {
      parts,
      optimizers,
      trainStep: async (input) => {
        const terms = withSeededRandom(deriveRng(ctx.seed, 'update', ctx.name, input.step), () =>
          studentStep(
            { stage: ctx.name, student: model, ...(teacher ? { teacher } : {}), losses: deps.losses, params: trainedParams, optimizer: deps.optimizer, schedule: deps.schedule, clip, adversaries, diagnostics },
            input,
          ),
        );
        logGradientShares(ctx, input.step, terms);
        return terms;
      },
      validate: async (_epoch, health) =>
        flattenSummary(
          await evaluateModel(model, data, {
            partition: options.validation.partition,
            metrics: deps.metrics,
            batchSize: options.validation.batchSize,
            health,
            ...(options.validation.inference ? { inference: options.validation.inference } : {}),
          }),
        ),
    });
    const started = Date.now();
    const result = await loop.run();
    if (result.interrupted) return interruptedReport(ctx, result);
    await saveSnapshot(path.join(ctx.dir, 'final'), parts, { step: result.steps, epoch: result.epochs });
    const artifacts = [path.relative(ctx.run.root, path.join(ctx.dir, 'final'))];
    if (result.history.length > 0) {
      const curve = path.join(ctx.dir, 'loss-curve.png');
      await writeLossCurve(result.history, `${ctx.name}: loss terms`, curve);
      artifacts.push(path.relative(ctx.run.root, curve));
    }
    return trainingReport(ctx, result as LoopResult, { models: { [options.model]: model.summary(h, w) }, artifacts, wallSeconds: (Date.now() - started) / 1000 });
  }

  /** Reloads the trained network (translators and discriminators are not needed after the stage). */
  async restore(ctx: StageContext): Promise<void> {
    const model = await ctx.resolve<SegmentationModel>(this.options.model);
    await loadSnapshot(path.join(ctx.dir, 'final'), [modelPart('model', model)], { logger: ctx.logger });
  }
}

/** The gradient shares of a diagnostics update as their own log line (progress lines fall on other updates). */
function logGradientShares(ctx: StageContext, step: number, terms: Record<string, number>): void {
  const shares = Object.fromEntries(Object.entries(terms).filter(([k]) => k.endsWith('/gradShare')).map(([k, v]) => [k.slice(0, -'/gradShare'.length), Number(v.toFixed(4))]));
  if (Object.keys(shares).length > 0) ctx.logger.info({ step, gradShare: shares }, 'gradient share per term (diagnostics)');
}
