import * as path from 'node:path';
import { GraphFlowError, describeNonFinite, runToken, type Batch, type SegmentationData, type StageContext, type NamedVariable } from '@graphflow/core';
import { CheckpointStore, type NamedOptimizer, type TrainingPosition } from '../checkpoint/checkpoint-store';
import { loadSnapshot, saveSnapshot } from '../checkpoint/final-weights';
import type { TrainablePart } from './trainable-part';
import { ProgressReporter, type ProgressOptions } from './progress-reporter';
import { CyclingBatches } from './cycling-batches';
import { MemoryWatch } from './memory-limit';
import { disposeBatch } from './dispose-batch';
import { DEFAULT_NON_FINITE, NonFiniteGuard, nonFiniteVariables, type NonFiniteOptions, type NonFiniteState, type StepGuard } from './finite-guard';

export { disposeBatch };

/** Options every training stage shares (mirrors the `stage/*` schema fragment in stage-schema.ts). */
export interface LoopOptions {
  epochs: number;
  /** Total updates, overriding `epochs` (the last epoch may be partial); 0 = epochs × batches per epoch. */
  steps: number;
  batchSize: number;
  augment: boolean;
  dropLast: boolean;
  /** Save a checkpoint every N updates (0 = only at epoch ends). */
  checkpointEvery: number;
  keepCheckpoints: number;
  /** Validate every N epochs (0 = never). */
  validateEvery: number;
  /** Metric key returned by `validate` to select the best weights, e.g. `dice`. */
  monitor: string;
  higherIsBetter: boolean;
  /** Stop after this many validations without improvement (0 = never). */
  patience: number;
  /** Load the best validated weights into the parts at the end. */
  restoreBest: boolean;
  /** Draw one unlabeled batch per update from the `unlabeled` partition too. */
  unlabeled: boolean;
  progress: ProgressOptions;
  /** What a non-finite update does (`onNonFinite`, `maxSkips`, `minLrFactor`); default: stop. */
  nonFinite?: NonFiniteOptions;
}

export interface StepInput {
  batch: Batch;
  /** From the `unlabeled` partition when `unlabeled` is on. */
  unlabeled?: Batch;
  /** Updates completed before this one. */
  step: number;
  totalSteps: number;
  epoch: number;
  /** The stage's non-finite policy for this update (see StepGuard); absent outside a TrainingLoop (= stop). */
  guard?: StepGuard;
}

export interface LoopHooks {
  parts: TrainablePart[];
  optimizers: NamedOptimizer[];
  /** One update; returns the logged values (loss terms, grad norm). Must not dispose the batches. */
  trainStep(input: StepInput): Promise<Record<string, number>>;
  /**
   * Validation metrics (higher/lower is better per options). Counts non-finite network outputs (logits,
   * reconstructions) into `health`: any stops the stage, since the weights or their statistics are broken.
   */
  validate?(epoch: number, health: ValidationHealth): Promise<Record<string, number>>;
}

/** Filled by a validation: images on which the network's outputs (logits, reconstructions) were NaN/±Infinity. */
export interface ValidationHealth {
  nonFiniteImages: number;
}

export interface HistoryRecord {
  step: number;
  epoch: number;
  terms: Record<string, number>;
}

export interface ValidationRecord {
  step: number;
  epoch: number;
  metrics: Record<string, number>;
}

/** Stage bookkeeping saved in every checkpoint so a resumed run's report covers the whole run. */
export interface LoopExtra {
  history: HistoryRecord[];
  validations: ValidationRecord[];
  best?: { value: number; step: number; epoch: number };
  badValidations: number;
  stoppedEarly: boolean;
  trainSeconds: number;
  /** Skipped-update bookkeeping of the `onNonFinite` policy (absent in older checkpoints: none skipped). */
  nonFinite?: NonFiniteState;
}

export interface LoopResult extends LoopExtra {
  steps: number;
  epochs: number;
  resumedFrom?: string;
  /**
   * The stage's signal was aborted: a checkpoint was written and the loop returned early. The stage must then return
   * without publishing final weights; the pipeline runner records the stage as interrupted and `--resume` re-enters it.
   */
  interrupted: boolean;
}

/**
 * The custom training loop all training stages share (not `model.fit`: several parts, several optimizers,
 * exact resume). Data order is the dataset's deterministic function of (seed, epoch); resuming mid-epoch replays the
 * epoch's stream and skips the batches already used, so a resumed run makes the very same updates.
 */
export class TrainingLoop {
  constructor(
    private readonly ctx: StageContext,
    private readonly data: SegmentationData,
    private readonly options: LoopOptions,
    private readonly hooks: LoopHooks,
  ) {}

  stepsPerEpoch(): number {
    // With patch sampling an epoch is more items than images.
    const n = this.data.itemsPerEpoch?.('train') ?? this.data.size('train');
    const per = this.options.dropLast ? Math.floor(n / this.options.batchSize) : Math.ceil(n / this.options.batchSize);
    if (per < 1) {
      throw new GraphFlowError('GF_DATA_INVALID', `stage "${this.ctx.name}": the train split has ${n} samples, fewer than one batch of ${this.options.batchSize}`, {
        pointer: '/options/batchSize',
      });
    }
    return per;
  }

  async run(): Promise<LoopResult> {
    const { ctx, options, hooks } = this;
    const perEpoch = this.stepsPerEpoch();
    let total = options.steps > 0 ? options.steps : options.epochs * perEpoch;
    if (ctx.smoke) total = Math.min(total, 2);
    const epochs = Math.ceil(total / perEpoch);
    if (options.unlabeled && this.data.size('unlabeled') < 1) {
      throw new GraphFlowError('GF_DATA_INVALID', `stage "${ctx.name}" uses unlabeled data but the dataset's unlabeled split is empty`, { pointer: '/options/unlabeled' });
    }

    for (const o of hooks.optimizers) o.optimizer.prepare(o.params());
    const store = new CheckpointStore(ctx.dir, options.keepCheckpoints);
    await store.ensureWritable();
    const manifest = runToken(ctx.container, 'Manifest');

    let position: TrainingPosition = { step: 0, epoch: 0, stepInEpoch: 0, rng: ctx.rng.getState() };
    let extra: LoopExtra = { history: [], validations: [], badValidations: 0, stoppedEarly: false, trainSeconds: 0 };
    let resumedFrom: string | undefined;
    if (ctx.resumeFrom) {
      // The newest intact checkpoint: a damaged latest one is skipped with a warning (see restoreNewest).
      const restored = await new CheckpointStore(ctx.resumeFrom).restoreNewest<LoopExtra>(hooks.parts, hooks.optimizers, ctx.logger);
      if (restored) {
        const { dir: latest, state } = restored;
        position = { step: state.step, epoch: state.epoch, stepInEpoch: state.stepInEpoch, rng: state.rng };
        extra = state.extra;
        ctx.rng.setState(state.rng);
        resumedFrom = latest;
        ctx.logger.info({ checkpoint: latest, step: state.step, epoch: state.epoch }, 'resuming from checkpoint');
      }
    }
    let lastCheckpoint = resumedFrom;

    // Every variable an optimizer updates; the rest of the parts' weights is state the forward pass may change.
    const trainedVariables = () => new Set(hooks.optimizers.flatMap((o) => o.params().map((p) => p.variable)));
    const allVariables = (): NamedVariable[] => [
      ...hooks.parts.flatMap((p) => p.weights().map((w) => ({ name: `${p.name}/${w.name}`, variable: w.variable }))),
      ...hooks.optimizers.flatMap((o) => o.optimizer.state().slots.map((s) => ({ name: `optimizer.${o.name}/${s.name}`, variable: s.variable }))),
    ];
    const stateVariables = (): NamedVariable[] => {
      const trained = trainedVariables();
      return hooks.parts.flatMap((p) => p.weights().filter((w) => !trained.has(w.variable)).map((w) => ({ name: `${p.name}/${w.name}`, variable: w.variable })));
    };
    const guard = new NonFiniteGuard(ctx.name, options.nonFinite ?? DEFAULT_NON_FINITE, stateVariables, extra.nonFinite);
    const keepsLatest = () => (lastCheckpoint ? `${path.relative(ctx.dir, store.latestFile)} still names ${path.basename(lastCheckpoint)}` : 'no checkpoint was written yet');

    const save = async (pos: TrainingPosition) => {
      extra.nonFinite = guard.state();
      lastCheckpoint = await store.save({ stage: ctx.name, position: { ...pos, rng: ctx.rng.getState() }, parts: hooks.parts, optimizers: hooks.optimizers, extra, manifest });
    };
    const progress = new ProgressReporter(ctx.name, ctx.logger, options.progress);
    const unlabeledStream = options.unlabeled
      ? new CyclingBatches(this.data, 'unlabeled', { batchSize: options.batchSize, augment: options.augment, shuffle: true, dropLast: false }, perEpoch)
      : undefined;

    const memoryWatch = MemoryWatch.forStage(ctx);
    let step = position.step;
    try {
      for (let epoch = position.epoch; epoch < epochs && step < total && !extra.stoppedEarly; epoch++) {
        const skip = epoch === position.epoch ? position.stepInEpoch : 0;
        const epochSteps = Math.min(perEpoch, total - (step - skip));
        progress.startEpoch(epoch, epochs, epochSteps, skip);
        const started = Date.now();
        let k = 0;
        unlabeledStream?.startEpoch(epoch, skip);
        for await (const batch of this.data.batches('train', { batchSize: options.batchSize, shuffle: true, augment: options.augment, epoch, dropLast: options.dropLast })) {
          if (k < skip || step >= total) {
            disposeBatch(batch);
            if (step >= total) break;
            k++;
            continue;
          }
          const unlabeled = unlabeledStream ? await unlabeledStream.next() : undefined;
          let terms: Record<string, number>;
          guard.start(step + 1);
          try {
            terms = await hooks.trainStep({ batch, step, totalSteps: total, epoch, guard, ...(unlabeled ? { unlabeled } : {}) });
          } catch (e) {
            if (e instanceof GraphFlowError && (e.code === 'GF_LOSS_NOT_FINITE' || e.code === 'GF_WEIGHTS_NOT_FINITE')) {
              throw new GraphFlowError(e.code, `${e.problems[0]?.message ?? e.message}; nothing was written: ${keepsLatest()}`, { cause: e });
            }
            throw memoryWatch ? memoryWatch.explain(e, step) : e;
          } finally {
            guard.release();
            disposeBatch(batch);
            if (unlabeled) disposeBatch(unlabeled);
          }
          step++;
          k++;
          memoryWatch?.afterStep(step);
          const skipped = guard.lastSkip;
          if (skipped) {
            const s = guard.state();
            ctx.logger.warn({ step, epoch, skipped: s.skipped, consecutive: s.consecutive, lrFactor: s.lrFactor }, `update ${step} skipped (onNonFinite "${guard.options.policy}"): ${skipped.message}`);
          } else {
            // An applied update cannot be undone: non-finite weights or optimizer state stop the stage under every policy.
            const broken = nonFiniteVariables(allVariables());
            if (broken.length > 0) {
              throw new GraphFlowError(
                'GF_WEIGHTS_NOT_FINITE',
                `stage "${ctx.name}": update ${step} left non-finite values in ${broken.length} variable(s): ${describeNonFinite(broken)}; the stage stops and nothing was written: ${keepsLatest()}`,
              );
            }
          }
          extra.history.push({ step, epoch, terms });
          await ctx.run.appendMetric({ stage: ctx.name, step, epoch, ...terms, ...(skipped ? { skipped: 1 } : {}) });
          progress.update(k, step, terms);
          const aborted = ctx.signal.aborted;
          if ((options.checkpointEvery > 0 && step % options.checkpointEvery === 0 && k < perEpoch && step < total) || aborted) {
            extra.trainSeconds += (Date.now() - started) / 1000;
            await save({ step, epoch, stepInEpoch: k, rng: ctx.rng.getState() });
            extra.trainSeconds -= (Date.now() - started) / 1000;
          }
          if (aborted) {
            progress.endEpoch();
            ctx.logger.warn({ step, epoch }, 'stage interrupted; checkpoint written, resume with --resume');
            return { ...extra, steps: step, epochs, interrupted: true, ...(resumedFrom ? { resumedFrom } : {}) };
          }
        }
        progress.endEpoch();
        extra.trainSeconds += (Date.now() - started) / 1000;
        const lastEpoch = epoch + 1 >= epochs || step >= total;
        if (hooks.validate && options.validateEvery > 0 && ((epoch + 1) % options.validateEvery === 0 || lastEpoch)) {
          await this.validate(epoch, step, extra, keepsLatest);
        }
        await save({ step, epoch: epoch + 1, stepInEpoch: 0, rng: ctx.rng.getState() });
      }
    } finally {
      progress.endEpoch();
      await unlabeledStream?.close();
    }

    if (extra.best && options.restoreBest) {
      await loadSnapshot(path.join(ctx.dir, 'best'), hooks.parts, { logger: ctx.logger });
      ctx.logger.info({ monitor: options.monitor, ...extra.best }, 'restored best validated weights');
    }
    return { ...extra, steps: step, epochs, interrupted: false, ...(resumedFrom ? { resumedFrom } : {}) };
  }

  private async validate(epoch: number, step: number, extra: LoopExtra, keepsLatest: () => string): Promise<void> {
    const { options, ctx } = this;
    const health: ValidationHealth = { nonFiniteImages: 0 };
    const metrics = await this.hooks.validate!(epoch, health);
    if (health.nonFiniteImages > 0) {
      // The weights are finite (checked after every update), so batch-norm statistics or overflowing activations are.
      throw new GraphFlowError(
        'GF_WEIGHTS_NOT_FINITE',
        `stage "${ctx.name}": in the validation after update ${step}, the network's logits were NaN/Infinite on ${health.nonFiniteImages} image(s): its weights or batch-norm statistics have diverged (overflow in inference mode); best/ was not updated and nothing was written: ${keepsLatest()}`,
      );
    }
    extra.validations.push({ step, epoch, metrics });
    await ctx.run.appendMetric({ stage: ctx.name, step, epoch, validation: metrics });
    const value = metrics[options.monitor];
    if (value === undefined) {
      throw new GraphFlowError('GF_OPTIONS_INVALID', `stage "${ctx.name}": validation has no metric "${options.monitor}" (it has ${Object.keys(metrics).join(', ')})`, {
        pointer: '/options/validation/monitor',
      });
    }
    // A NaN/Infinite monitored value never becomes the best (and counts as no improvement for patience).
    const finite = Number.isFinite(value);
    if (!finite) ctx.logger.warn({ epoch, step, monitor: options.monitor, value: String(value) }, `validation: "${options.monitor}" is ${value}; these weights cannot become the best`);
    const better = finite && (extra.best === undefined || (options.higherIsBetter ? value > extra.best.value : value < extra.best.value));
    ctx.logger.info({ epoch, step, ...metrics, best: better }, 'validation');
    if (better) {
      extra.best = { value, step, epoch };
      extra.badValidations = 0;
      await saveSnapshot(path.join(ctx.dir, 'best'), this.hooks.parts, { step, epoch, metric: { name: options.monitor, value } });
    } else {
      extra.badValidations++;
      if (options.patience > 0 && extra.badValidations >= options.patience) {
        extra.stoppedEarly = true;
        ctx.logger.info({ epoch, patience: options.patience }, 'early stopping: no improvement');
      }
    }
  }
}
