/**
 * Contract of `schedule/*` components. A schedule maps training progress to a multiplier of a base value (learning rate, or a loss weight).
 * `step` is 0-based and counts optimizer updates; `totalSteps` is the stage's planned number of updates.
 */
export interface Schedule {
  readonly id: string;
  multiplier(step: number, totalSteps: number): number;
}
