import type { LossTerm, Schedule } from '@graphflow/core';

/** A loss term as a stage uses it: a unique log name, a base weight and an optional weight schedule. */
export interface WeightedLoss {
  name: string;
  term: LossTerm;
  weight: number;
  /** Multiplies `weight` per update (e.g. ramp the adversarial term in). */
  weightSchedule?: Schedule;
}

export function weightAt(loss: WeightedLoss, step: number, totalSteps: number): number {
  return loss.weight * (loss.weightSchedule ? loss.weightSchedule.multiplier(step, totalSteps) : 1);
}

/** Log names must be unique; repeated ids get `#2`, `#3` … in manifest order. */
export function uniqueLossNames(ids: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return ids.map((id) => {
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    return n === 1 ? id : `${id}#${n}`;
  });
}
