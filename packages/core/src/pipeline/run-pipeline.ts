import 'reflect-metadata';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DependencyContainer } from 'tsyringe';
import type { Logger } from 'pino';
import { GraphFlowError, isGraphFlowError } from '../errors/graphflow-error';
import { createLogger, type LogFormat } from '../logging/logger';
import type { Override } from '../manifest/overrides';
import type { ResolvedManifest, StageSpec } from '../manifest/types';
import { refToken } from '../plugin/tokens';
import { RunDirectory } from '../run/run-directory';
import type { Stage, StageContext } from '../contracts/stage';
import { createRunScope, createStageContext } from './run-scope';
import type { PluginSetup } from './prepare';
import { openSession, type RunState } from './open-session';
import { renderReportMarkdown, type RunReport, type StageRecord } from './report';
import type { RunOptions } from './run-options';

export interface RunRequest extends PluginSetup {
  /** Manifest to run (not needed with `resumeDir`). */
  manifestPath?: string;
  overrides?: readonly Override[];
  /** Continue the interrupted run in this folder. */
  resumeDir?: string;
  /** Exact run folder (must not exist). Default: `<outputs.dir>/<name>-<timestamp>`. */
  outDir?: string;
  /** Overrides the manifest's `backend`. */
  backend?: string;
  smoke?: boolean;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  logFormat?: LogFormat;
  console?: NodeJS.WritableStream & { isTTY?: boolean };
  signal?: AbortSignal;
  /**
   * Take these stages' results from an earlier run instead of running them (`Stage.restore` with that run's stage
   * folder): how ablations reuse one trained teacher and paraphraser across variants.
   */
  reuse?: { runDir: string; stages: readonly string[] };
}

export type { RunState } from './open-session';

export interface RunOutcome {
  runDir: string;
  report: RunReport;
}

/**
 * Run a pipeline: validate everything first (nothing is written for an invalid manifest), then create the run
 * folder, select the backend, and run the stages in order, each in its own child container. `--resume` reloads
 * finished stages through `Stage.restore` and re-enters the interrupted one with its folder as `resumeFrom`.
 */
export async function runPipeline(request: RunRequest): Promise<RunOutcome> {
  const startedAt = new Date();
  const bootLogger = createLogger({ level: request.logLevel ?? 'info', ...(request.logFormat ? { format: request.logFormat } : {}), ...(request.console ? { console: request.console } : {}) });

  const session = await openSession({ ...request, ...(request.resumeDir ? { runDir: request.resumeDir } : {}) }, bootLogger);
  const { prepared, manifestFile, previous, backend } = session;
  const manifest = prepared.manifest;
  let run = session.run;

  // Validation passed: only now does anything touch the disk.
  run ??= await RunDirectory.create({
    ...(request.outDir ? { exact: request.outDir } : { parent: path.resolve(manifest.outputs.dir), name: manifest.name ?? path.basename(manifestFile, '.json') }),
  });
  if (!request.resumeDir) await run.writeJson('manifest.resolved.json', manifest);
  const logger = createLogger({
    level: request.logLevel ?? 'info',
    file: run.logFile,
    ...(request.logFormat ? { format: request.logFormat } : {}),
    ...(request.console ? { console: request.console } : {}),
  });
  logger.info({ runDir: run.root, manifest: manifestFile, resume: Boolean(request.resumeDir) }, `run folder ${run.root}`);

  const signal = request.signal ?? new AbortController().signal;
  const runOptions: RunOptions = {
    manifestFile,
    manifestDir: path.dirname(manifestFile),
    smoke: request.smoke ?? false,
    signal,
    ...(request.resumeDir ? { resumeDir: run.root } : {}),
  };
  const state: RunState = previous ?? { manifestFile, stages: {} };
  const records: StageRecord[] = [];
  let status: RunReport['status'] = 'done';
  let failure: unknown;
  try {
    const rs = createRunScope({ registry: prepared.registry, manifest, run, runOptions, logger, ...(backend ? { backend } : {}) });
    const { root, scope } = rs;

    const willRun = (spec: StageSpec): boolean => spec.enabled && !(request.reuse?.stages.includes(spec.name) ?? false) && state.stages[spec.name]?.status !== 'done';
    const prepareStage = async (index: number): Promise<{ ctx: StageContext; stage: Stage }> => {
      const spec = manifest.stages[index]!;
      const prior = state.stages[spec.name];
      const reused = request.reuse?.stages.includes(spec.name) ?? false;
      const dir = reused ? path.join(path.resolve(request.reuse!.runDir), 'stages', spec.name) : await run.stageDir(spec.name);
      const resuming = prior !== undefined && prior.status !== 'done';
      const ctx = createStageContext(rs, { spec, index, dir, run, runOptions, logger, seed: manifest.seed, ...(resuming ? { resumeFrom: dir } : {}) });
      return { ctx, stage: (await scope.build(spec, `stages.${spec.name}`, ctx.container)) as Stage };
    };
    // Every stage that will run is built and pre-flighted first: a network that cannot take the data, or a bad tile,
    // in the evaluate stage is reported before the teacher trains for an hour.
    const built = new Map<number, { ctx: StageContext; stage: Stage }>();
    for (let index = 0; index < manifest.stages.length; index++) {
      if (!willRun(manifest.stages[index]!)) continue;
      const entry = await prepareStage(index);
      built.set(index, entry);
      await entry.stage.preflight?.(entry.ctx);
    }

    for (let index = 0; index < manifest.stages.length; index++) {
      const spec = manifest.stages[index]!;
      const prior = state.stages[spec.name];
      if (!spec.enabled) {
        records.push({ name: spec.name, type: spec.type, status: 'skipped' });
        continue;
      }
      const reused = request.reuse?.stages.includes(spec.name) ?? false;
      const { ctx, stage } = built.get(index) ?? (await prepareStage(index));
      const dir = ctx.dir;
      const resuming = ctx.resumeFrom !== undefined;
      const stageLogger = ctx.logger;
      const stageContainer = ctx.container;

      if (reused) {
        if (!stage.restore) throw new GraphFlowError('GF_RESUME_INVALID', `stage "${spec.name}" (${spec.type}) cannot be reused from another run: it has no restore()`);
        await fs.access(dir).catch(() => {
          throw new GraphFlowError('GF_RESUME_INVALID', `cannot reuse stage "${spec.name}": ${dir} does not exist`, { file: dir });
        });
        await stage.restore(ctx);
        stageLogger.info(`stage ${spec.name} reused from ${dir}`);
        records.push({ name: spec.name, type: spec.type, status: 'reused' });
        root.register(refToken(`stages.${spec.name}`), { useValue: { dir, result: {} } });
        continue;
      }
      if (prior?.status === 'done') {
        if (stage.restore) await stage.restore(ctx);
        stageLogger.info(`stage ${spec.name} finished in an earlier session; restored`);
        const record: StageRecord = { ...prior, status: 'restored' };
        records.push(record);
        root.register(refToken(`stages.${spec.name}`), { useValue: { dir, result: prior.result ?? {} } });
        continue;
      }
      const record: StageRecord = { name: spec.name, type: spec.type, status: 'done', startedAt: new Date().toISOString() };
      state.stages[spec.name] = { ...record, status: 'interrupted' };
      await run.writeJson('state.json', state);
      stageLogger.info(`stage ${spec.name} (${spec.type}) ${resuming ? 'resuming' : 'starting'}`);
      const t0 = performance.now();
      try {
        const result = (await stage.run(ctx)) ?? {};
        record.result = result;
      } catch (e) {
        record.status = 'failed';
        record.error = { code: isGraphFlowError(e) ? e.code : 'GF_STAGE_FAILED', message: (e as Error)?.message ?? String(e) };
        throw isGraphFlowError(e) ? e : new GraphFlowError('GF_STAGE_FAILED', `stage "${spec.name}" failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
      } finally {
        record.finishedAt = new Date().toISOString();
        record.seconds = (performance.now() - t0) / 1000;
        if (record.status === 'done' && signal.aborted) record.status = 'interrupted';
        records.push(record);
        state.stages[spec.name] = record;
        await run.writeJson('state.json', state);
      }
      if (record.status === 'interrupted') {
        status = 'interrupted';
        stageLogger.warn(`interrupted; continue with: graphflow run --resume ${run.root}`);
        break;
      }
      stageContainer.register(refToken(`stages.${spec.name}`), { useValue: { dir, result: record.result } });
      root.register(refToken(`stages.${spec.name}`), { useValue: { dir, result: record.result } });
      stageLogger.info({ seconds: record.seconds, metrics: record.result?.metrics }, `stage ${spec.name} done in ${record.seconds.toFixed(1)} s`);
    }
  } catch (e) {
    status = 'failed';
    failure = e;
    logger.error({ err: e, code: isGraphFlowError(e) ? e.code : undefined }, (e as Error)?.message ?? String(e));
  }

  const finishedAt = new Date();
  const report: RunReport = {
    name: manifest.name ?? path.basename(manifestFile, '.json'),
    runDir: run.root,
    manifest: manifestFile,
    status,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    seed: manifest.seed,
    ...(backend ? { backend } : {}),
    smoke: runOptions.smoke,
    stages: records,
  };
  if (manifest.outputs.report) {
    await run.writeJson('report.json', report);
    await run.writeText('report.md', renderReportMarkdown(report));
  }
  if (failure !== undefined) throw failure;
  return { runDir: run.root, report };
}

export type { ResolvedManifest, DependencyContainer, Logger };
