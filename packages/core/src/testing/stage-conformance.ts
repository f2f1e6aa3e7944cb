/**
 * The conformance suite of `stage/*` components, run the way a user runs them: in a manifest, through the host's
 * pipeline (validation, container, run folder, state, report). What the host relies on: a result whose metrics are
 * finite and whose artifacts exist inside the run folder, the same result for the same seed (wall-clock figures aside), a run stopped by the
 * signal that resumes to the same result, `restore()` reusing a finished stage from another run, and no tensors
 * left behind that grow with the length of the run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ComponentSpec } from '../plugin/types';
import type { StageResult } from '../contracts/stage';
import { runPipeline, type RunOutcome } from '../pipeline/run-pipeline';
import { tempDir, useCpu } from './backbone-conformance';

export interface StageConformanceCase {
  label: string;
  /** Plugins the manifest loads (absolute paths or package names): the one under test and what the stage needs. */
  plugins: string[];
  /** Load GraphFlow's installed first-party plugins as well (default false: only `plugins`). */
  defaultPlugins?: boolean;
  data?: ComponentSpec;
  models?: Record<string, ComponentSpec>;
  /** The stage under test as a manifest writes it. Keep it to a few steps: the suite runs it about six times. */
  stage: ComponentSpec;
  /** Stages run before it in every manifest of the suite (e.g. the teacher a distillation stage reads). */
  before?: (ComponentSpec & { name: string })[];
  /**
   * The same stage, doing more work (more epochs or steps). Given, the suite checks that the longer run leaves no more
   * tensors allocated than the short one, i.e. nothing leaks per step.
   */
  longer?: ComponentSpec;
  seed?: number;
  /** Manifest `backend` (default `cpu`: tiny networks, and no optional backend needed). */
  backend?: string;
}

const STAGE = 'under-test';

/** The suite's manifests name the plugins under test by path: the test vouches for them, as `--allow-plugins` does. */
const CONSENT = { allowManifestPlugins: true };

function manifest(c: StageConformanceCase, stage: ComponentSpec, seed: number): Record<string, unknown> {
  return {
    name: 'stage-conformance',
    defaultPlugins: c.defaultPlugins ?? false,
    plugins: c.plugins,
    seed,
    backend: c.backend ?? 'cpu',
    ...(c.data ? { data: c.data } : {}),
    models: c.models ?? {},
    stages: [...(c.before ?? []), { ...stage, name: STAGE }],
  };
}

async function run(c: StageConformanceCase, dir: string, label: string, extra: { stage?: ComponentSpec; seed?: number; signal?: AbortSignal; reuseFrom?: string } = {}): Promise<RunOutcome> {
  const file = path.join(dir, `${label}.json`);
  await fs.writeFile(file, JSON.stringify(manifest(c, extra.stage ?? c.stage, extra.seed ?? c.seed ?? 1), null, 2));
  return runPipeline({
    manifestPath: file,
    outDir: path.join(dir, label),
    logLevel: 'silent',
    consent: CONSENT,
    ...(extra.signal ? { signal: extra.signal } : {}),
    ...(extra.reuseFrom ? { reuse: { runDir: extra.reuseFrom, stages: [STAGE] } } : {}),
  });
}

function stageResult(outcome: RunOutcome): StageResult {
  const record = outcome.report.stages.find((s) => s.name === STAGE);
  assert.ok(record, `the report lists the stage (${outcome.report.stages.map((s) => s.name).join(', ')})`);
  assert.equal(record.status, 'done', `the stage finished (${record.error?.message ?? record.status})`);
  return record.result ?? {};
}

function checkMetrics(metrics: StageResult['metrics'], where = 'metrics'): void {
  for (const [key, value] of Object.entries(metrics ?? {})) {
    if (typeof value === 'number') assert.ok(Number.isFinite(value), `${where}.${key} is finite (${value})`);
    else checkMetrics(value, `${where}.${key}`);
  }
}

/** Metrics without wall-clock ones (`*seconds`, `*PerSecond`), which no seed fixes. */
function comparable(metrics: StageResult['metrics']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metrics ?? {})) {
    if (/seconds$|persecond$/i.test(key)) continue;
    out[key] = typeof value === 'number' ? value : comparable(value);
  }
  return out;
}

/** Registers the suite's tests (node:test) for one stage. */
export function stageConformance(c: StageConformanceCase): void {
  test(`${c.label}: runs in a manifest, with finite metrics and artifacts that exist inside the run folder`, async () => {
    await useCpu();
    const dir = await tempDir('stage');
    const outcome = await run(c, dir, 'first');
    assert.equal(outcome.report.status, 'done');
    const result = stageResult(outcome);
    checkMetrics(result.metrics);
    for (const artifact of result.artifacts ?? []) {
      const file = path.resolve(outcome.runDir, artifact);
      assert.ok(!path.relative(outcome.runDir, file).startsWith('..'), `artifact ${artifact} is inside the run folder`);
      await fs.access(file).catch(() => assert.fail(`artifact ${artifact} exists`));
    }
    const state = JSON.parse(await fs.readFile(path.join(outcome.runDir, 'state.json'), 'utf8')) as { stages: Record<string, { status: string }> };
    assert.equal(state.stages[STAGE]?.status, 'done', 'state.json records the stage as done');
  });

  test(`${c.label}: the same seed gives the same result`, async () => {
    await useCpu();
    const dir = await tempDir('stage-seed');
    const a = stageResult(await run(c, dir, 'a'));
    const b = stageResult(await run(c, dir, 'b'));
    assert.deepEqual(comparable(b.metrics), comparable(a.metrics));
    assert.deepEqual(b.artifacts ?? [], a.artifacts ?? []);
  });

  test(`${c.label}: a run stopped by the signal resumes to the result of an uninterrupted one`, async () => {
    await useCpu();
    const dir = await tempDir('stage-resume');
    const reference = stageResult(await run(c, dir, 'reference'));
    // Aborted before the stage starts: it must stop at its first step boundary and leave what a resume needs.
    const controller = new AbortController();
    controller.abort();
    const stopped = await run(c, dir, 'stopped', { signal: controller.signal });
    assert.equal(stopped.report.status, 'interrupted', 'the run says it was interrupted, so it can be resumed');
    const resumed = await runPipeline({ resumeDir: stopped.runDir, logLevel: 'silent', consent: CONSENT });
    assert.equal(resumed.report.status, 'done');
    assert.deepEqual(comparable(stageResult(resumed).metrics), comparable(reference.metrics));
  });

  test(`${c.label}: restore() lets a later run reuse the finished stage`, async (t) => {
    await useCpu();
    const dir = await tempDir('stage-restore');
    const first = await run(c, dir, 'first');
    stageResult(first);
    // Reuse the stage itself, as `graphflow ablate --base` does with the teacher.
    let outcome: RunOutcome;
    try {
      outcome = await run(c, dir, 'reuse', { reuseFrom: first.runDir });
    } catch (e) {
      if ((e as { code?: string }).code === 'GF_RESUME_INVALID' && /has no restore\(\)/.test((e as Error).message)) {
        t.skip('the stage has no restore(): it cannot be reused, which the host reports with GF_RESUME_INVALID');
        return;
      }
      throw e;
    }
    assert.equal(outcome.report.stages.find((s) => s.name === STAGE)?.status, 'reused');
  });

  if (c.longer) {
    const longer = c.longer;
    test(`${c.label}: a longer run leaves no more tensors allocated than a short one`, async () => {
      await useCpu();
      const dir = await tempDir('stage-memory');
      await run(c, dir, 'warm-up');
      const before = tf.memory().numTensors;
      await run(c, dir, 'short');
      const short = tf.memory().numTensors - before;
      const mid = tf.memory().numTensors;
      await run(c, dir, 'long', { stage: longer });
      const long = tf.memory().numTensors - mid;
      assert.equal(long, short, `tensors left by a run: ${short} short, ${long} long`);
    });
  }
}
