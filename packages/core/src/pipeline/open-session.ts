import 'reflect-metadata';
import { promises as fs } from 'node:fs';
import { container as globalContainer } from 'tsyringe';
import type { Logger } from 'pino';
import type { BackendInfo } from '../contracts/backend';
import { GraphFlowError } from '../errors/graphflow-error';
import { loadManifest, type LoadedManifest } from '../manifest/load';
import type { Override } from '../manifest/overrides';
import { parseJsonSource } from '../manifest/source-file';
import { RunDirectory } from '../run/run-directory';
import type { StageRecord } from './report';
import { preparePipeline, type PluginSetup, type PreparedPipeline } from './prepare';
import { backendChoice, selectBackend } from './select-backend';

/** `state.json` of a run folder: which stages finished, with their results. */
export interface RunState {
  manifestFile: string;
  stages: Record<string, StageRecord>;
}

export interface SessionRequest extends PluginSetup {
  /** A new run from this manifest … */
  manifestPath?: string;
  overrides?: readonly Override[];
  /** … or an existing run folder, read back from its own manifest.resolved.json and state.json. */
  runDir?: string;
  /** Overrides the manifest's `backend`. */
  backend?: string;
}

/** Everything a run needs before its stages are built, the same for a new run, a resume and `openRun`. */
export interface RunSession {
  /** The validated manifest, its registry and sources (`prepared.loaded`). */
  prepared: PreparedPipeline;
  /** The manifest the run was started from (after a resume, the original one). */
  manifestFile: string;
  /** Set when an existing run folder was opened. */
  run?: RunDirectory;
  previous?: RunState;
  backend?: BackendInfo;
}

/**
 * The one run-opening path: read the manifest (a new one, or the run folder's resolved copy), validate it and load its
 * plugins under the consent rules, then select the backend — all before anything is written, so bad input fails here.
 */
export async function openSession(request: SessionRequest, logger: Logger): Promise<RunSession> {
  let loaded: LoadedManifest;
  let run: RunDirectory | undefined;
  let previous: RunState | undefined;
  if (request.runDir) {
    run = await RunDirectory.open(request.runDir);
    previous = await run.readJson<RunState>('state.json');
    if (!previous) throw new GraphFlowError('GF_RESUME_INVALID', `${run.root} has no state.json: it never started a stage`, { file: run.root });
    const source = parseJsonSource(await fs.readFile(run.manifestFile, 'utf8'), run.manifestFile);
    loaded = { value: source.value as Record<string, unknown>, file: run.manifestFile, sources: [source], overrides: [] };
  } else {
    if (!request.manifestPath) throw new GraphFlowError('GF_MANIFEST_NOT_FOUND', 'no manifest given');
    loaded = await loadManifest(request.manifestPath, request.overrides ?? []);
  }
  const prepared = await preparePipeline(loaded.file, [], { ...request, logger }, loaded);
  // The backend is chosen before any run folder is created, so an unavailable one fails like any other bad input.
  const backend = await selectBackend(prepared.registry, backendChoice(request.backend, prepared.manifest.backend), globalContainer.createChildContainer(), logger);
  return {
    prepared,
    manifestFile: previous?.manifestFile ?? loaded.file,
    ...(run ? { run } : {}),
    ...(previous ? { previous } : {}),
    ...(backend ? { backend } : {}),
  };
}
