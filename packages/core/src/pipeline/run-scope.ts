import 'reflect-metadata';
import * as tf from '@tensorflow/tfjs';
import { container as globalContainer, type DependencyContainer } from 'tsyringe';
import type { Logger } from 'pino';
import type { BackendInfo } from '../contracts/backend';
import type { StageContext } from '../contracts/stage';
import type { ResolvedManifest, StageSpec } from '../manifest/types';
import type { ComponentSpec } from '../plugin/types';
import { TOKENS } from '../plugin/tokens';
import type { Registry } from '../registry/registry';
import type { RunDirectory } from '../run/run-directory';
import { deriveRng } from '../util/rng';
import { ComponentScope } from './component-scope';
import type { RunOptions } from './run-options';

function defaultBackendInfo(): BackendInfo {
  const name = tf.getBackend();
  return { name, tfBackend: name, version: tf.version_core, threads: 1 };
}

/** The run's root container with every run-wide token and lazily built manifest entries. */
export interface RunScope {
  root: DependencyContainer;
  scope: ComponentScope;
  /** Build a component spec in a child container of the run's (a command's tool or metric, outside any stage). */
  build<T>(spec: ComponentSpec, path: string): Promise<T>;
}

export function createRunScope(p: {
  registry: Registry;
  manifest: ResolvedManifest;
  /** Absent for commands that build a manifest's components without a run folder (summary, data inspect). */
  run?: RunDirectory;
  runOptions: RunOptions;
  logger: Logger;
  backend?: BackendInfo;
}): RunScope {
  const root = globalContainer.createChildContainer();
  root.register(TOKENS.Logger, { useValue: p.logger });
  root.register(TOKENS.Registry, { useValue: p.registry });
  root.register(TOKENS.Manifest, { useValue: p.manifest });
  if (p.run) root.register(TOKENS.RunDirectory, { useValue: p.run });
  root.register(TOKENS.Seed, { useValue: p.manifest.seed });
  root.register(TOKENS.RunOptions, { useValue: p.runOptions });
  // With no backend plugin loaded, tfjs stays on its default backend: components still get what it is.
  root.register(TOKENS.Backend, { useValue: p.backend ?? defaultBackendInfo() });
  const scope = new ComponentScope(p.registry, p.logger, p.manifest.seed);
  if (p.manifest.data) scope.registerEntry(root, 'data', p.manifest.data);
  for (const [name, spec] of Object.entries(p.manifest.models)) scope.registerEntry(root, `models.${name}`, spec);
  return { root, scope, build: async <T>(spec: ComponentSpec, path: string) => (await scope.build(spec, path, root.createChildContainer())) as T };
}

/** A stage's child container and context (its folder given, since a reused stage's folder is another run's). */
export function createStageContext(
  rs: RunScope,
  p: { spec: StageSpec; index: number; dir: string; run: RunDirectory; runOptions: RunOptions; logger: Logger; seed: number; resumeFrom?: string },
): StageContext {
  const container = rs.root.createChildContainer();
  const ctx: StageContext = {
    name: p.spec.name,
    index: p.index,
    logger: p.logger.child({ stage: p.spec.name }),
    container,
    run: p.run,
    dir: p.dir,
    seed: p.seed,
    rng: deriveRng(p.seed, 'stage', p.spec.name),
    signal: p.runOptions.signal,
    smoke: p.runOptions.smoke,
    resolve: <T>(ref: string) => rs.scope.resolve<T>(container, ref),
    ...(p.resumeFrom ? { resumeFrom: p.resumeFrom } : {}),
  };
  container.register(TOKENS.StageContext, { useValue: ctx });
  return ctx;
}
