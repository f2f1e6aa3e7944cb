import 'reflect-metadata';
import { createLogger, type LogFormat } from '../logging/logger';
import type { ResolvedManifest } from '../manifest/types';
import type { ComponentSpec } from '../plugin/types';
import type { Registry } from '../registry/registry';
import type { RunDirectory } from '../run/run-directory';
import type { Stage } from '../contracts/stage';
import type { PluginSetup } from './prepare';
import { openSession } from './open-session';
import { createRunScope, createStageContext } from './run-scope';
import { idleRunOptions } from './run-options';

export interface OpenedRun {
  run: RunDirectory;
  manifest: ResolvedManifest;
  registry: Registry;
  /** Resolve `models.<name>` or `data` with the weights the finished stages produced. */
  resolve<T>(ref: string): Promise<T>;
  /** Names of the stages whose results were restored. */
  restored: string[];
  /** Build a component (a tool, a metric) in the run's scope, with the run's tokens. */
  build<T>(spec: ComponentSpec, path: string): Promise<T>;
}

/**
 * Rebuild a finished (or interrupted) run's components from its saved manifest and restore what its completed
 * stages produced, without training: what `graphflow predict | eval | export` work from.
 */
export async function openRun(
  runDir: string,
  setup: PluginSetup & { backend?: string; logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'; logFormat?: LogFormat; console?: NodeJS.WritableStream & { isTTY?: boolean } } = {},
): Promise<OpenedRun> {
  const logger = createLogger({ level: setup.logLevel ?? 'warn', ...(setup.logFormat ? { format: setup.logFormat } : {}), ...(setup.console ? { console: setup.console } : {}) });
  // The same opening path as `graphflow run --resume`: the folder's own manifest, consent, validation, backend.
  const session = await openSession({ ...setup, runDir }, logger);
  const { prepared, backend } = session;
  const run = session.run!;
  const state = session.previous!;
  const manifest = prepared.manifest;
  const runOptions = idleRunOptions(state.manifestFile);
  const rs = createRunScope({ registry: prepared.registry, manifest, run, runOptions, logger, ...(backend ? { backend } : {}) });
  const restored: string[] = [];
  for (const [index, spec] of manifest.stages.entries()) {
    if (state.stages[spec.name]?.status !== 'done') continue;
    const dir = run.path('stages', spec.name);
    const ctx = createStageContext(rs, { spec, index, dir, run, runOptions, logger, seed: manifest.seed });
    const stage = (await rs.scope.build(spec, `stages.${spec.name}`, ctx.container)) as Stage;
    if (stage.restore) {
      await stage.restore(ctx);
      restored.push(spec.name);
    }
  }
  return { run, manifest, registry: prepared.registry, restored, resolve: <T>(ref: string) => rs.scope.resolve<T>(rs.root, ref), build: rs.build };
}
