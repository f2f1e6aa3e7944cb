import * as tf from '@tensorflow/tfjs';
import { GraphFlowError, describeNonFinite, findNonFinite, type NonFiniteTensor, type NamedVariable } from '@graphflow/core';

/** Stops training before a NaN/Inf update is applied, naming the term and step so the cause can be found. */
export function assertFiniteTerms(terms: Record<string, number>, step: number, stage: string): void {
  for (const [name, value] of Object.entries(terms)) {
    if (!Number.isFinite(value)) {
      throw new GraphFlowError('GF_LOSS_NOT_FINITE', `stage "${stage}": loss term "${name}" is ${value} at step ${step}; no update was applied`);
    }
  }
}

/**
 * The float variables of `vars` holding NaN/±Infinity. One reduction (Σ v·0, which is 0 unless some value is not
 * finite) and one scalar read when all are finite; only then a per-variable scan to name them.
 */
export function nonFiniteVariables(vars: readonly NamedVariable[]): NonFiniteTensor[] {
  const floats = vars.filter((v) => v.variable.dtype === 'float32' && v.variable.size > 0 && !v.variable.isDisposed);
  if (floats.length === 0) return [];
  const probe = tf.tidy(() => tf.addN(floats.map((v) => tf.sum(tf.mul(v.variable, 0)))).dataSync()[0]!);
  if (probe === 0) return [];
  return findNonFinite(floats.map((v) => ({ name: v.name, values: v.variable.dataSync() as Float32Array })));
}

/** What a training stage does when an update is not finite (`onNonFinite`). */
export type NonFinitePolicy = 'stop' | 'skip-step' | 'reduce-lr';

export interface NonFiniteOptions {
  policy: NonFinitePolicy;
  /** Consecutive skipped updates tolerated by `skip-step` / `reduce-lr`; one more stops the stage. */
  maxSkips: number;
  /** `reduce-lr` halves the learning-rate factor per skipped update down to this floor. */
  minLrFactor: number;
}

export const DEFAULT_NON_FINITE: NonFiniteOptions = { policy: 'stop', maxSkips: 10, minLrFactor: 1 / 1024 };

/** The guard's bookkeeping, saved in every checkpoint so a resumed run skips and scales exactly the same. */
export interface NonFiniteState {
  /** Updates skipped so far. */
  skipped: number;
  /** Skipped in a row right now. */
  consecutive: number;
  /** Multiplies the learning rate (1 unless `reduce-lr` reduced it). */
  lrFactor: number;
}

export interface NonFiniteFinding {
  code: 'GF_LOSS_NOT_FINITE' | 'GF_WEIGHTS_NOT_FINITE';
  message: string;
}

/**
 * What a training step asks before applying its update. Protocol per update: `begin()` before the forward pass,
 * `checkForward(terms)` once the loss terms are known, `checkGradients(norm)` once the gradient norm is, then exactly
 * one `decide(finding)` — which throws under `stop`, or returns `skip` after restoring the non-trainable state the
 * forward pass changed (batch-norm moving statistics), so a skipped update leaves no trace.
 */
export interface StepGuard {
  readonly lrFactor: number;
  begin(): void;
  checkForward(terms: Record<string, number>): NonFiniteFinding | undefined;
  checkGradients(norm: number): NonFiniteFinding | undefined;
  decide(finding: NonFiniteFinding | undefined): 'apply' | 'skip';
}

/**
 * The `onNonFinite` policy of a training stage (like Keras' TerminateOnNaN, or skipping the update as mixed-precision
 * loss scalers do):
 * - `stop` (default): a non-finite loss term (GF_LOSS_NOT_FINITE), gradient norm or non-trainable statistic
 *   (GF_WEIGHTS_NOT_FINITE) stops the stage before the update is applied;
 * - `skip-step`: the update is dropped (weights, optimizer state and batch-norm statistics stay as before it) and
 *   training continues; more than `maxSkips` in a row stop the stage with the code of the last cause;
 * - `reduce-lr`: as `skip-step`, and each skipped update also halves the learning rate for the rest of the stage, down
 *   to `minLrFactor` × lr.
 * Weights that are non-finite after an applied update cannot be undone: the training loop stops the stage then under
 * every policy (see TrainingLoop).
 */
export class NonFiniteGuard implements StepGuard {
  private readonly s: NonFiniteState;
  private backup: { variable: tf.Variable; copy: tf.Tensor }[] | undefined;
  private step = 0;
  /** Why the last decided update was skipped; undefined when it was applied. */
  lastSkip: NonFiniteFinding | undefined;

  constructor(
    private readonly stage: string,
    readonly options: NonFiniteOptions,
    /** Variables a forward pass may change that no optimizer updates (batch-norm moving statistics). */
    private readonly stateVariables: () => NamedVariable[],
    state?: NonFiniteState,
  ) {
    this.s = state ? { ...state } : { skipped: 0, consecutive: 0, lrFactor: 1 };
  }

  get lrFactor(): number {
    return this.s.lrFactor;
  }

  state(): NonFiniteState {
    return { ...this.s };
  }

  /** Starts update `step` (1-based, for messages). */
  start(step: number): void {
    this.step = step;
    this.lastSkip = undefined;
  }

  begin(): void {
    this.release();
    if (this.options.policy === 'stop') return;
    this.backup = this.stateVariables().map(({ variable }) => ({ variable, copy: tf.clone(variable) }));
  }

  checkForward(terms: Record<string, number>): NonFiniteFinding | undefined {
    const bad = Object.entries(terms).find(([, v]) => !Number.isFinite(v));
    if (bad) return { code: 'GF_LOSS_NOT_FINITE', message: `loss term "${bad[0]}" is ${bad[1]} at step ${this.step}` };
    const state = nonFiniteVariables(this.stateVariables());
    if (state.length > 0) {
      return { code: 'GF_WEIGHTS_NOT_FINITE', message: `the forward pass of step ${this.step} left non-finite values in ${state.length} non-trainable variable(s) (batch-norm statistics?): ${describeNonFinite(state)}` };
    }
    return undefined;
  }

  checkGradients(norm: number): NonFiniteFinding | undefined {
    if (Number.isFinite(norm)) return undefined;
    return { code: 'GF_WEIGHTS_NOT_FINITE', message: `the gradients of step ${this.step} are not finite (global norm ${norm})` };
  }

  decide(finding: NonFiniteFinding | undefined): 'apply' | 'skip' {
    try {
      if (!finding) {
        this.s.consecutive = 0;
        return 'apply';
      }
      const { policy, maxSkips } = this.options;
      if (policy === 'stop') throw new GraphFlowError(finding.code, `stage "${this.stage}": ${finding.message}; no update was applied`);
      if (this.s.consecutive >= maxSkips) {
        throw new GraphFlowError(
          finding.code,
          `stage "${this.stage}": ${finding.message}; no update was applied, and the ${maxSkips} update(s) before it were skipped too (onNonFinite "${policy}", maxSkips ${maxSkips}), so the stage stops`,
        );
      }
      for (const b of this.backup ?? []) b.variable.assign(b.copy);
      this.s.consecutive++;
      this.s.skipped++;
      if (policy === 'reduce-lr') this.s.lrFactor = Math.max(this.options.minLrFactor, this.s.lrFactor / 2);
      this.lastSkip = finding;
      return 'skip';
    } finally {
      this.release();
    }
  }

  /** Frees the backup of an update that threw before deciding. */
  release(): void {
    if (this.backup) for (const b of this.backup) b.copy.dispose();
    this.backup = undefined;
  }
}

/** A guard with the default policy, for a step run outside a TrainingLoop (`step` 1-based, for messages). */
export function stopGuard(stage: string, step: number): StepGuard {
  const guard = new NonFiniteGuard(stage, DEFAULT_NON_FINITE, () => []);
  guard.start(step);
  return guard;
}
