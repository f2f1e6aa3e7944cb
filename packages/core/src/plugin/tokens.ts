/**
 * Dependency-injection tokens every component may resolve from its container.
 * Manifest entries are registered under `ref:<path>` (e.g. `ref:models.teacher`, `ref:data`).
 */
export const TOKENS = {
  /** pino Logger of the run (components get their own child through ComponentContext). */
  Logger: 'graphflow:logger',
  /** BackendInfo of the active compute backend. */
  Backend: 'graphflow:backend',
  /** The run's RunDirectory. */
  RunDirectory: 'graphflow:run-directory',
  /** The resolved, validated manifest (read-only). */
  Manifest: 'graphflow:manifest',
  /** The component Registry. */
  Registry: 'graphflow:registry',
  /** The run seed (number). */
  Seed: 'graphflow:seed',
  /** RunOptions: smoke flag, resume dir, abort signal. */
  RunOptions: 'graphflow:run-options',
  /** The current stage's StageContext (only inside a stage's child container). */
  StageContext: 'graphflow:stage-context',
} as const;

export function refToken(ref: string): string {
  return `ref:${ref}`;
}
