import type { Optimizer, Schedule } from '@graphflow/core';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GraphFlowError, deriveRng, type FeatureParaphraser, type SegmentationData, type SegmentationModel, type Stage, type StageContext, type StageResult } from '@graphflow/core';
import { loadSnapshot, saveSnapshot } from '../checkpoint/final-weights';
import { writeLossCurve } from '../figures/loss-curve';
import { clipGradients } from '../optim/gradient-clipping';
import { stopGuard } from '../training/finite-guard';
import { computeGradients } from '../training/student-step';
import { modelPart } from '../training/trainable-part';
import { TrainingLoop, disposeBatch } from '../training/training-loop';
import { withSeededRandom } from '../training/seeded-step-random';
import { checkModelFitsData } from './model-data-check';
import { checkParaphraserStageMemory } from './memory-preflight';
import { loopOptions, type TrainingStageOptions } from './training-options';
import { interruptedReport, trainingReport } from './training-report';

export interface ParaphraserStageOptions extends TrainingStageOptions {
  teacher: string;
  paraphraser: string;
  /** Also reconstruct the teacher's features of `unlabeled` images (reconstruction needs no labels). */
  unlabeled: boolean;
}

/**
 * Trains a FeatureParaphraser (factor transfer) to reconstruct the frozen teacher's taps, optionally on the `unlabeled`
 * split too (each update then concatenates one labeled and one unlabeled batch). The teacher only ever runs
 * in inference mode outside the gradient computation, so neither its weights nor its statistics change. Validation
 * (when enabled) reports the mean reconstruction loss on the validation split, monitored as `reconstruction`.
 */
export class ParaphraserStage implements Stage {
  constructor(private readonly options: ParaphraserStageOptions, private readonly deps: { optimizer: Optimizer; schedule: Schedule }) {}

  async preflight(ctx: StageContext): Promise<void> {
    checkModelFitsData(await ctx.resolve<SegmentationModel>(this.options.teacher), await ctx.resolve<SegmentationData>(this.options.data), `/stages/${ctx.index}/options/teacher`);
  }

  async run(ctx: StageContext): Promise<StageResult> {
    const { options, deps } = this;
    const teacher = await ctx.resolve<SegmentationModel>(options.teacher);
    const paraphraser = await ctx.resolve<FeatureParaphraser>(options.paraphraser);
    const data = await ctx.resolve<SegmentationData>(options.data);
    checkModelFitsData(teacher, data, `/stages/${ctx.index}/options/teacher`);
    const known = new Set(teacher.taps.map((t) => t.name));
    const missing = paraphraser.teacherTaps.filter((t) => !known.has(t));
    if (missing.length > 0) {
      throw new GraphFlowError('GF_OPTIONS_INVALID', `the paraphraser encodes teacher taps ${missing.join(', ')}, which ${teacher.architecture} does not have (it has ${[...known].join(', ')})`, {
        pointer: '/options/paraphraser',
      });
    }
    if (options.init) await loadSnapshot(options.init, [modelPart('paraphraser', paraphraser)], { logger: ctx.logger });
    const part = modelPart('paraphraser', paraphraser);
    const clip = options.clipGradNorm > 0 ? { mode: 'norm' as const, max: options.clipGradNorm } : options.clipGradValue > 0 ? { mode: 'value' as const, max: options.clipGradValue } : null;
    const taps = [...paraphraser.teacherTaps];
    checkParaphraserStageMemory(ctx, { teacher, paraphraser, data, batchSize: options.batchSize, unlabeled: options.unlabeled, params: part.params(), optimizer: deps.optimizer });

    const loop = new TrainingLoop(ctx, data, loopOptions(options, { higherIsBetter: false, unlabeled: options.unlabeled, hasValidation: data.size(options.validation.partition) > 0 }), {
      parts: [part],
      optimizers: [{ name: 'main', optimizer: deps.optimizer, params: () => part.params() }],
      trainStep: async ({ batch, unlabeled, step, totalSteps, guard = stopGuard(ctx.name, step + 1) }) =>
        withSeededRandom(deriveRng(ctx.seed, 'update', ctx.name, step), (): Record<string, number> => {
          guard.begin();
          // One reconstruction over labeled and unlabeled images together: the paraphraser never sees labels.
          const images = unlabeled ? tf.concat([batch.images, unlabeled.images], 0) : batch.images;
          const teacherOut = teacher.forward(images, { training: false, taps });
          if (images !== batch.images) images.dispose();
          teacherOut.logits.dispose();
          const features = teacherOut.taps;
          const params = part.params();
          const { value, grads } = computeGradients(() => paraphraser.reconstructionLoss(features), params.map((p) => p.variable));
          try {
            const reconstruction = value.dataSync()[0]!;
            const forwardFinding = guard.checkForward({ reconstruction });
            if (forwardFinding) {
              guard.decide(forwardFinding); // throws under onNonFinite "stop"
              return { reconstruction };
            }
            const present = params.flatMap((param, i) => (grads[i] ? [{ param, grad: grads[i]! }] : []));
            const { grads: clipped, norm } = clipGradients(present.map((p) => p.grad), clip);
            if (guard.decide(guard.checkGradients(norm)) === 'skip') {
              tf.dispose(clipped);
              return { reconstruction, gradNorm: norm };
            }
            const lr = deps.optimizer.learningRate * deps.schedule.multiplier(step, totalSteps) * guard.lrFactor;
            deps.optimizer.apply(present.map((p) => p.param), clipped, lr);
            tf.dispose(clipped);
            return { reconstruction, lr, gradNorm: norm };
          } finally {
            value.dispose();
            tf.dispose(grads.filter((g): g is tf.Tensor => g !== null));
            tf.dispose(Object.values(features));
          }
        }),
      validate: async (_epoch, health) => {
        let sum = 0;
        let n = 0;
        for await (const batch of data.batches(options.validation.partition, { batchSize: options.validation.batchSize, shuffle: false, augment: false, epoch: 0 })) {
          try {
            const loss = tf.tidy(() => paraphraser.reconstructionLoss(teacher.forward(batch.images, { training: false, taps }).taps).dataSync()[0]!);
            if (!Number.isFinite(loss)) health.nonFiniteImages += batch.images.shape[0];
            sum += loss * batch.images.shape[0];
            n += batch.images.shape[0];
          } finally {
            disposeBatch(batch);
          }
        }
        return { reconstruction: n > 0 ? sum / n : NaN };
      },
    });
    const started = Date.now();
    const result = await loop.run();
    if (result.interrupted) return interruptedReport(ctx, result);
    await saveSnapshot(path.join(ctx.dir, 'final'), [part], { step: result.steps, epoch: result.epochs });
    const curve = path.join(ctx.dir, 'loss-curve.png');
    await writeLossCurve(result.history, `${ctx.name}: paraphraser reconstruction`, curve);
    const [h, w] = data.inputSize;
    return trainingReport(ctx, result, {
      models: { [options.teacher]: teacher.summary(h, w) },
      artifacts: [path.relative(ctx.run.root, path.join(ctx.dir, 'final')), path.relative(ctx.run.root, curve)],
      wallSeconds: (Date.now() - started) / 1000,
    });
  }

  async restore(ctx: StageContext): Promise<void> {
    const paraphraser = await ctx.resolve<FeatureParaphraser>(this.options.paraphraser);
    await loadSnapshot(path.join(ctx.dir, 'final'), [modelPart('paraphraser', paraphraser)], { logger: ctx.logger });
  }
}
