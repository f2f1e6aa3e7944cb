import type { DependencyContainer } from 'tsyringe';
import type { Logger } from 'pino';
import type { BackendInfo } from '../contracts/backend';
import type { StageContext } from '../contracts/stage';
import { GraphFlowError } from '../errors/graphflow-error';
import type { ResolvedManifest } from '../manifest/types';
import type { RunOptions } from '../pipeline/run-options';
import type { Registry } from '../registry/registry';
import type { RunDirectory } from '../run/run-directory';

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

/** The type each token resolves to. */
export interface RunTokenTypes {
  Logger: Logger;
  Backend: BackendInfo;
  RunDirectory: RunDirectory;
  Manifest: ResolvedManifest;
  Registry: Registry;
  Seed: number;
  RunOptions: RunOptions;
  StageContext: StageContext;
}

/**
 * Resolve a run-wide value with its type: `runToken(ctx.container, 'Seed')` is the run seed. The host registers every
 * token but StageContext in the run container and StageContext in each stage's, so inside a run these always
 * resolve; outside one (a test calling a factory) build the context with `testComponentContext` from
 * `@graphflow/core/testing`. A container without the token is a host bug, reported as GF_INTERNAL naming it.
 */
export function runToken<K extends keyof RunTokenTypes>(container: DependencyContainer, key: K): RunTokenTypes[K] {
  const token = TOKENS[key];
  if (!container.isRegistered(token, true)) {
    throw new GraphFlowError('GF_INTERNAL', `the container holds no ${key} (${token}): components get it inside a run, or from testComponentContext in a test`);
  }
  return container.resolve<RunTokenTypes[K]>(token);
}

export function refToken(ref: string): string {
  return `ref:${ref}`;
}
