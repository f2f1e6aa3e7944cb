import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { Registry, createLogger, TOKENS, refToken, GraphFlowError } from '../src';
import { runPipeline, openRun, ComponentScope, type RunReport } from '../src/host';
import { container as globalContainer } from 'tsyringe';
import { fixturePlugin, FakeNet, tempDir, writeJson } from './support/fixture-plugin';

const quiet = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), { isTTY: false });
const fixturePath = path.join(__dirname, 'support', 'fixture-plugin.js');
/** These tests' manifests name test plugins by path: the test vouches for them (as --allow-plugins does). */
const TRUSTED = { allowManifestPlugins: true };

function manifest(extra: Record<string, unknown> = {}) {
  return {
    name: 'demo',
    defaultPlugins: false,
    plugins: [fixturePath],
    models: { teacher: { type: 'backbone/fake-net', options: { width: 8 } } },
    stages: [
      { name: 'teach', type: 'stage/train', options: { model: 'models.teacher', epochs: 2, losses: [{ type: 'loss/graph-flow' }] } },
      { name: 'again', type: 'stage/train', options: { model: 'models.teacher' } },
    ],
    ...extra,
  };
}

test('a pipeline runs end to end: stages share model singletons, write artifacts, report and log', async () => {
  const dir = await tempDir();
  const file = await writeJson(path.join(dir, 'm.json'), manifest({ outputs: { dir: path.join(dir, 'runs') } }));
  const { runDir, report } = await runPipeline({ manifestPath: file, console: quiet, defaultPlugins: [], consent: TRUSTED });
  assert.equal(report.status, 'done');
  assert.ok(runDir.startsWith(path.join(dir, 'runs', 'demo-')));
  // the second stage saw the model the first stage trained (one instance per run)
  assert.deepEqual(report.stages.map((s) => s.result?.metrics?.['trainedBy']), [2, 3]);
  assert.equal(report.stages[0]!.result?.metrics?.['losses'], 1);
  const files = await fs.readdir(runDir);
  for (const f of ['manifest.resolved.json', 'run.log', 'report.json', 'report.md', 'state.json', 'stages']) assert.ok(files.includes(f), f);
  assert.equal(await fs.readFile(path.join(runDir, 'stages', 'teach', 'trained.txt'), 'utf8'), 'models.teacher 2\n');
  const resolved = JSON.parse(await fs.readFile(path.join(runDir, 'manifest.resolved.json'), 'utf8'));
  assert.equal(resolved.seed, 42);
  assert.equal(resolved.stages[1].options.epochs, 1);
  const logLines = (await fs.readFile(path.join(runDir, 'run.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(logLines.some((l) => l.stage === 'teach' && /done/.test(l.msg)));
  const md = await fs.readFile(path.join(runDir, 'report.md'), 'utf8');
  assert.match(md, /## Stage teach \(stage\/train\) — done/);
});

test('two runs of one manifest get separate folders; an explicit existing --out is refused', async () => {
  const dir = await tempDir();
  const file = await writeJson(path.join(dir, 'm.json'), manifest({ outputs: { dir: path.join(dir, 'runs') } }));
  const a = await runPipeline({ manifestPath: file, console: quiet, defaultPlugins: [], consent: TRUSTED });
  const b = await runPipeline({ manifestPath: file, console: quiet, defaultPlugins: [], consent: TRUSTED });
  assert.notEqual(a.runDir, b.runDir);
  await assert.rejects(runPipeline({ manifestPath: file, console: quiet, defaultPlugins: [], consent: TRUSTED, outDir: a.runDir }), (e: GraphFlowError) => e.code === 'GF_RUN_DIR_EXISTS');
  assert.equal(await fs.readFile(path.join(a.runDir, 'stages', 'teach', 'trained.txt'), 'utf8'), 'models.teacher 2\n');
});

test('an invalid manifest writes nothing to the output folder', async () => {
  const dir = await tempDir();
  const out = path.join(dir, 'runs');
  const file = await writeJson(path.join(dir, 'm.json'), manifest({ outputs: { dir: out }, seed: -1 }));
  await assert.rejects(runPipeline({ manifestPath: file, console: quiet, defaultPlugins: [], consent: TRUSTED }), (e: GraphFlowError) => e.code === 'GF_MANIFEST_INVALID' && e.exitCode === 2);
  await assert.rejects(fs.access(out));
});

test('a failing stage fails the run with exit code 1; --resume restores finished stages and reruns the failed one', async () => {
  const dir = await tempDir();
  const m = manifest({ outputs: { dir: path.join(dir, 'runs') } });
  (m.stages[1] as { options: Record<string, unknown> }).options['failAt'] = 0;
  const file = await writeJson(path.join(dir, 'm.json'), m);
  const out = path.join(dir, 'run1');
  await assert.rejects(runPipeline({ manifestPath: file, console: quiet, defaultPlugins: [], consent: TRUSTED, outDir: out }), (e: GraphFlowError) => e.code === 'GF_STAGE_FAILED' && e.exitCode === 1);
  const failed = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8')) as RunReport;
  assert.equal(failed.status, 'failed');
  assert.deepEqual(failed.stages.map((s) => s.status), ['done', 'failed']);
  // The resumed run uses the saved manifest (which still fails): finished stage restored, failed one re-entered.
  await assert.rejects(runPipeline({ resumeDir: out, console: quiet, defaultPlugins: [], consent: TRUSTED }), /boom at epoch 0/);
  const again = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8')) as RunReport;
  assert.deepEqual(again.stages.map((s) => s.status), ['restored', 'failed']);
  await assert.rejects(runPipeline({ resumeDir: dir, console: quiet, defaultPlugins: [], consent: TRUSTED }), (e: GraphFlowError) => e.code === 'GF_RESUME_INVALID');
});

test('components get collaborators from the container; stage scopes are child containers', async () => {
  const registry = new Registry();
  await registry.use(fixturePlugin);
  const logger = createLogger({ level: 'silent' });
  const scope = new ComponentScope(registry, logger);
  const root = globalContainer.createChildContainer();
  root.register(TOKENS.Seed, { useValue: 7 });
  scope.registerEntry(root, 'models.teacher', { type: 'backbone/fake-net', options: { width: 4, heads: 2 } });
  const stageA = root.createChildContainer();
  const stageB = root.createChildContainer();
  const a = await scope.resolve<FakeNet>(stageA, 'models.teacher');
  const b = await scope.resolve<FakeNet>(stageB, 'models.teacher');
  assert.equal(a, b, 'manifest entries are run-wide singletons');
  assert.equal(a.width, 4);
  const loss = (await scope.build({ type: 'loss/graph-flow', options: {} }, 'stages.a.losses.0', stageA)) as { container: unknown };
  assert.equal(loss.container, stageA, 'nested components are built in the asking scope');
  stageA.register('stage-only', { useValue: 1 });
  assert.equal(stageB.isRegistered('stage-only', true), false);
  assert.equal(stageA.resolve(TOKENS.Seed), 7);
  assert.ok(root.isRegistered(refToken('models.teacher')));
  await assert.rejects(scope.resolve(stageA, 'models.nope'), (e: GraphFlowError) => e.code === 'GF_MANIFEST_REF');
});

test('reuse takes named stages from an earlier run through restore()', async () => {
  const dir = await tempDir();
  const file = await writeJson(path.join(dir, 'm.json'), manifest({ outputs: { dir: path.join(dir, 'runs') } }));
  const first = await runPipeline({ manifestPath: file, console: quiet, defaultPlugins: [], consent: TRUSTED });
  const second = await runPipeline({ manifestPath: file, console: quiet, defaultPlugins: [], consent: TRUSTED, reuse: { runDir: first.runDir, stages: ['teach'] } });
  assert.deepEqual(second.report.stages.map((s) => s.status), ['reused', 'done']);
  // 'again' trained once on top of the restored model: restored marker + itself
  assert.equal(second.report.stages[1]!.result?.metrics?.['trainedBy'], 2);
  await assert.rejects(fs.access(path.join(second.runDir, 'stages', 'teach')));
  await assert.rejects(
    runPipeline({ manifestPath: file, console: quiet, defaultPlugins: [], consent: TRUSTED, reuse: { runDir: dir, stages: ['teach'] } }),
    (e: GraphFlowError) => e.code === 'GF_RESUME_INVALID',
  );
});

test('openRun rebuilds a finished run and restores what its stages produced, without training', async () => {
  const dir = await tempDir();
  const file = await writeJson(path.join(dir, 'm.json'), manifest({ outputs: { dir: path.join(dir, 'runs') } }));
  const { runDir } = await runPipeline({ manifestPath: file, console: quiet, defaultPlugins: [], consent: TRUSTED });
  const opened = await openRun(runDir, { defaultPlugins: [], consent: TRUSTED, console: quiet });
  assert.deepEqual(opened.restored, ['teach', 'again']);
  const net = await opened.resolve<FakeNet>('models.teacher');
  assert.deepEqual(net.trainedBy, ['teach(restored)', 'again(restored)']);
  await assert.rejects(openRun(dir, { defaultPlugins: [], consent: TRUSTED, console: quiet }), (e: GraphFlowError) => e.code === 'GF_RESUME_INVALID');
});

test('backend selection: auto takes the best available backend and reports missing training kernels at startup', async () => {
  const dir = await tempDir();
  const pluginFile = path.join(dir, 'backends.js');
  await fs.writeFile(
    pluginFile,
    `module.exports = { name: 'fake-backends', register(api) {
      const make = (name, priority, available, missing) => ({ kind: 'backend', name, description: name, schema: {}, create: () => ({
        name, priority,
        probe: async () => available ? { available: true } : { available: false, reason: 'npm install ' + name },
        activate: async () => ({ name, tfBackend: name, version: '1', threads: 2 }),
        kernelCoverage: () => ({ backend: name, present: ['Conv2D'], missing }),
      }) });
      api.component(make('fast', 300, false, []));
      api.component(make('medium', 200, true, ['Conv2DBackpropFilter']));
      api.component(make('slow', 100, true, []));
    } };`,
  );
  const file = await writeJson(path.join(dir, 'm.json'), manifest({ outputs: { dir: path.join(dir, 'runs') }, plugins: [fixturePath, pluginFile] }));
  let text = '';
  const capture = Object.assign(new Writable({ write: (c, _e, cb) => { text += String(c); cb(); } }), { isTTY: false });
  const { report } = await runPipeline({ manifestPath: file, console: capture, defaultPlugins: [], consent: TRUSTED });
  assert.equal(report.backend?.name, 'medium');
  const lines = text.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.some((l) => l.code === 'GF_BACKEND_KERNEL_MISSING' && l.missing[0] === 'Conv2DBackpropFilter'));
  assert.ok(lines.some((l) => l.backend === 'medium' && l.how === 'auto' && /fast: npm install fast/.test(l.skipped.join())));
  await assert.rejects(runPipeline({ manifestPath: file, console: quiet, defaultPlugins: [], consent: TRUSTED, backend: 'fast' }), (e: GraphFlowError) => e.code === 'GF_BACKEND_UNAVAILABLE' && /npm install fast/.test(e.message));
});

test('the run seed fixes Math.random while entries are built (reproducible initial weights) and restores it after', async () => {
  const registry = new Registry();
  await registry.use(fixturePlugin);
  const draw = async (seed: number | undefined, ref = 'models.teacher', own?: number) => {
    const scope = new ComponentScope(registry, createLogger({ level: 'silent' }), seed);
    const root = globalContainer.createChildContainer();
    scope.registerEntry(root, ref, { type: 'backbone/fake-net', options: { width: 4, heads: 2 }, ...(own !== undefined ? { initSeed: own } : {}) });
    return (await scope.resolve<FakeNet>(root, ref)).initDraw;
  };
  const original = Math.random;
  assert.equal(await draw(7), await draw(7));
  assert.notEqual(await draw(7), await draw(8));
  assert.notEqual(await draw(7, 'models.teacher'), await draw(7, 'models.student'));
  assert.notEqual(await draw(undefined), await draw(undefined));
  // An entry's own initSeed replaces (run seed, entry name): two entries can start from identical weights.
  assert.equal(await draw(7, 'models.studentAlone', 3), await draw(8, 'models.student', 3));
  assert.notEqual(await draw(7, 'models.student', 3), await draw(7, 'models.student', 4));
  assert.notEqual(await draw(7, 'models.student', 3), await draw(7, 'models.student'));
  assert.equal(Math.random, original);
});

test('every stage that will run is pre-flighted before the first one starts: a bad last stage fails before any training', async () => {
  const dir = await tempDir();
  const m = manifest({ outputs: { dir: path.join(dir, 'runs') } });
  (m.stages as { options: Record<string, unknown> }[])[1]!.options['preflightFails'] = true;
  const file = await writeJson(path.join(dir, 'm.json'), m);
  await assert.rejects(runPipeline({ manifestPath: file, console: quiet, defaultPlugins: [], consent: TRUSTED }), (e: unknown) => e instanceof GraphFlowError && e.code === 'GF_OPTIONS_INVALID' && /stage again/.test(e.message));
  const [runDir] = await fs.readdir(path.join(dir, 'runs'));
  const report = JSON.parse(await fs.readFile(path.join(dir, 'runs', runDir!, 'report.json'), 'utf8')) as RunReport;
  assert.equal(report.status, 'failed');
  assert.deepEqual(report.stages, [], 'no stage ran');
  await assert.rejects(fs.access(path.join(dir, 'runs', runDir!, 'stages', 'teach', 'trained.txt')), 'the first stage never trained');
});
