import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The repository root (this file is tools/reliability/dist/src/kill-resume.js once built). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const CLI = path.join(REPO_ROOT, 'packages', 'cli', 'dist', 'src', 'bin.js');

/**
 * The quickstart pipeline (teacher, student alone, paraphraser, distillation with graph-flow + KD + adversarial,
 * evaluation) shrunk to seconds, checkpointing every other update, so a kill can land in any stage, mid-step,
 * mid-checkpoint or between stages.
 */
export const TRIAL_OVERRIDES: readonly string[] = [
  'data.options.count=48',
  'data.options.size=32',
  'models.teacher.options.baseWidth=8',
  'stages.teacher.epochs=2',
  'stages.studentAlone.epochs=2',
  'stages.paraphraser.epochs=1',
  'stages.distill.epochs=2',
  'stages.teacher.checkpointEvery=2',
  'stages.studentAlone.checkpointEvery=2',
  'stages.distill.checkpointEvery=2',
  'outputs.figures=false',
];

export const TRIAL_MANIFEST = path.join(REPO_ROOT, 'examples', 'quickstart', 'manifest.json');

export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

/** Run `graphflow <args>`; with `killAfterMs`, SIGKILL it then (as a crash or `kill -9` would). */
export function runCli(args: readonly string[], killAfterMs?: number): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const child = spawn(process.execPath, [CLI, ...args, '--log-level', 'error'], { cwd: REPO_ROOT, stdio: 'ignore' });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - start });
    });
  });
}

function runArgs(out: string): string[] {
  return ['run', TRIAL_MANIFEST, '--out', out, '--backend', 'wasm', ...TRIAL_OVERRIDES.flatMap((o) => ['--set', o])];
}

/** SHA-256 of every weight file a finished run kept (each stage's final/ and best/), by stage-relative path. */
export async function finalWeightDigests(runDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const stagesDir = path.join(runDir, 'stages');
  for (const stage of (await fs.readdir(stagesDir)).sort()) {
    for (const snapshot of ['final', 'best']) {
      const file = path.join(stagesDir, stage, snapshot, 'weights.bin');
      const bytes = await fs.readFile(file).catch(() => undefined);
      if (bytes) out[`${stage}/${snapshot}`] = createHash('sha256').update(bytes).digest('hex');
    }
  }
  return out;
}

/** Where a killed run stood: the stages it had finished and the newest checkpoint of the one in progress. */
export async function positionAtKill(runDir: string): Promise<string> {
  const readJson = <T>(file: string): Promise<T | undefined> => fs.readFile(path.join(runDir, file), 'utf8').then((t) => JSON.parse(t) as T, () => undefined);
  const manifest = await readJson<{ stages?: { name: string }[] }>('manifest.resolved.json');
  if (!manifest) return 'before the run folder was complete';
  const state = await readJson<{ stages?: Record<string, { status?: string }> }>('state.json');
  const done = (manifest.stages ?? []).filter((s) => state?.stages?.[s.name]?.status === 'done').map((s) => s.name);
  const current = (manifest.stages ?? []).find((s) => !done.includes(s.name));
  if (!current) return `${done.length} stage(s) done`;
  const latest = await readJson<{ step?: number }>(path.join('stages', current.name, 'checkpoints', 'latest.json'));
  return `${done.length} stage(s) done; in ${current.name}${latest ? ` after checkpoint step ${latest.step}` : ', no checkpoint yet'}`;
}

export interface TrialResult {
  trial: number;
  killAtMs: number;
  /** Also killed during the first resume, after this many ms. */
  killResumeAtMs?: number;
  position: string;
  resumeCode: number | null;
  exact: boolean;
  mismatched: string[];
}

/** Seeded uniform numbers, so a trial series can be repeated. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

export interface TrialSeries {
  referenceMs: number;
  reference: Record<string, string>;
  trials: TrialResult[];
}

/**
 * One uninterrupted reference run, then `trials` runs each SIGKILLed at a uniformly random moment of the reference
 * run's duration (every third one killed again during its resume), resumed to the end and compared byte for byte.
 */
export async function killResumeTrials(options: { trials: number; seed: number; workDir: string; log?: (line: string) => void }): Promise<TrialSeries> {
  const log = options.log ?? (() => undefined);
  // Runs never overwrite each other (GF_RUN_DIR_EXISTS), so a used folder would turn every trial into a failure.
  if ((await fs.readdir(options.workDir).catch(() => [])).length > 0) throw new Error(`${options.workDir} is not empty; give a new --work-dir`);
  await fs.mkdir(options.workDir, { recursive: true });
  const refDir = path.join(options.workDir, 'reference');
  const ref = await runCli(runArgs(refDir));
  if (ref.code !== 0) throw new Error(`the reference run failed (exit ${ref.code}); see ${refDir}/run.log`);
  const reference = await finalWeightDigests(refDir);
  log(`reference run: ${(ref.ms / 1000).toFixed(1)} s, ${Object.keys(reference).length} weight files`);
  const random = rng(options.seed);
  const trials: TrialResult[] = [];
  for (let t = 0; t < options.trials; t++) {
    const dir = path.join(options.workDir, `trial-${t}`);
    // From after start-up (the run folder exists) to just before the end: every stage is fair game.
    const killAtMs = Math.round(ref.ms * (0.15 + 0.8 * random()));
    await runCli(runArgs(dir), killAtMs);
    const position = await positionAtKill(dir);
    let killResumeAtMs: number | undefined;
    if (t % 3 === 2) {
      killResumeAtMs = Math.round(ref.ms * (0.1 + 0.5 * random()));
      await runCli(['run', '--resume', dir], killResumeAtMs);
    }
    const resumed = await runCli(['run', '--resume', dir]);
    const got = resumed.code === 0 ? await finalWeightDigests(dir) : {};
    const mismatched = Object.keys(reference).filter((k) => got[k] !== reference[k]);
    const result: TrialResult = { trial: t, killAtMs, ...(killResumeAtMs !== undefined ? { killResumeAtMs } : {}), position, resumeCode: resumed.code, exact: resumed.code === 0 && mismatched.length === 0, mismatched };
    trials.push(result);
    log(`trial ${t}: killed at ${(killAtMs / 1000).toFixed(1)} s (${position})${killResumeAtMs !== undefined ? `, again ${(killResumeAtMs / 1000).toFixed(1)} s into the resume` : ''} → resume exit ${resumed.code}, ${result.exact ? 'bit-identical' : `DIFFERS: ${mismatched.join(', ')}`}`);
  }
  return { referenceMs: ref.ms, reference, trials };
}
