import type { Schedule } from '@graphflow/core';

export interface WarmupOptions {
  /** Updates over which the multiplier ramps linearly from `warmupStartFactor` to the schedule's value. */
  warmupSteps: number;
  warmupStartFactor: number;
}

/**
 * Wraps a decay curve `f(t)` (t ∈ [0,1] = fraction of the post-warm-up steps done) with a linear warm-up.
 * During warm-up the ramp ends at f(0), so there is no jump when the decay starts.
 */
export class WarmupDecaySchedule implements Schedule {
  constructor(readonly id: string, private readonly curve: (t: number, step: number) => number, private readonly warmup: WarmupOptions) {}

  multiplier(step: number, totalSteps: number): number {
    const w = this.warmup.warmupSteps;
    if (w > 0 && step < w) {
      const start = this.warmup.warmupStartFactor;
      return (start + (1 - start) * (step / w)) * this.curve(0, 0);
    }
    const span = Math.max(1, totalSteps - w);
    const t = Math.min(1, Math.max(0, (step - w) / span));
    return this.curve(t, step - w);
  }
}

/** Poly decay (1 − t)^power; power 0.9 is the paper's (and DeepLab's) setting. */
export function polySchedule(power: number, minFactor: number, warmup: WarmupOptions): Schedule {
  return new WarmupDecaySchedule('schedule/poly', (t) => minFactor + (1 - minFactor) * Math.pow(1 - t, power), warmup);
}

/** Half-cosine from 1 to `minFactor`. */
export function cosineSchedule(minFactor: number, warmup: WarmupOptions): Schedule {
  return new WarmupDecaySchedule('schedule/cosine', (t) => minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * t)), warmup);
}

/** Multiply by `gamma` after every `stepSize` updates (or at each listed milestone when given). */
export function stepSchedule(gamma: number, stepSize: number, milestones: readonly number[], warmup: WarmupOptions): Schedule {
  return new WarmupDecaySchedule(
    'schedule/step',
    (_t, step) => {
      const drops = milestones.length > 0 ? milestones.filter((m) => step >= m).length : Math.floor(step / stepSize);
      return Math.pow(gamma, drops);
    },
    warmup,
  );
}

export function constantSchedule(warmup: WarmupOptions = { warmupSteps: 0, warmupStartFactor: 0 }): Schedule {
  return new WarmupDecaySchedule('schedule/constant', () => 1, warmup);
}
