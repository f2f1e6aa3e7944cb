import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isGraphFlowError } from '@graphflow/core';
import { TinyModel, snapshotWeights } from './fixtures/tiny-model';
import { FakeData } from './fixtures/fake-data';
import { CrossEntropyTerm } from './fixtures/fake-losses';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { buildStudentStage } from './fixtures/build-stage';
import { KILL_TEST_OPTIONS } from './fixtures/kill-test-options';
import { CheckpointStore } from '../src/checkpoint/checkpoint-store';
import { AdamOptimizer } from '../src/optim/adam';
import { modelPart } from '../src/training/trainable-part';

tf.setBackend('cpu');

const OPTIONS = { epochs: 3, batchSize: 2, checkpointEvery: 2 };

async function uninterrupted(options: typeof OPTIONS | typeof KILL_TEST_OPTIONS): Promise<Record<string, Float32Array>> {
  const model = new TinyModel(1, 2);
  const ctx = await makeStageContext({ root: await tempDir('ref'), refs: { 'models.student': model, data: new FakeData(3, { train: 6 }) } });
  await buildStudentStage('supervised', [new CrossEntropyTerm()], options).run(ctx);
  return snapshotWeights(model);
}

test('an aborted stage writes a checkpoint, and resuming reaches bit-identical final weights', async () => {
  const reference = await uninterrupted(OPTIONS);

  const root = await tempDir('resume');
  const data = new FakeData(3, { train: 6 });
  const controller = new AbortController();
  const ctx = await makeStageContext({ root, signal: controller.signal, refs: { 'models.student': new TinyModel(1, 2), data } });
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (record) => {
    await append(record);
    if (record['step'] === 5) controller.abort();
  };
  const interrupted = await buildStudentStage('supervised', [new CrossEntropyTerm()], OPTIONS).run(ctx);
  assert.equal(interrupted.metrics?.['interrupted'], 1);
  await assert.rejects(fs.access(path.join(ctx.dir, 'final')), 'an interrupted stage must not publish final weights');
  const latest = JSON.parse(await fs.readFile(path.join(ctx.dir, 'checkpoints', 'latest.json'), 'utf8'));
  assert.equal(latest.step, 5);

  // A different initialization proves every weight comes from the checkpoint.
  const resumedModel = new TinyModel(1, 2, 4, 1234);
  const resumed = await makeStageContext({ root, resumeFrom: ctx.dir, refs: { 'models.student': resumedModel, data } });
  const result = await buildStudentStage('supervised', [new CrossEntropyTerm()], OPTIONS).run(resumed);
  assert.equal(result.metrics?.['steps'], 9);
  const weights = snapshotWeights(resumedModel);
  for (const name of Object.keys(reference)) assert.deepEqual(weights[name], reference[name], `weight ${name} differs after resume`);
});

test('resuming into a different architecture fails with GF_CHECKPOINT_INVALID before training', async () => {
  const root = await tempDir('resume-arch');
  const data = new FakeData(3, { train: 4 });
  const ctx = await makeStageContext({ root, refs: { 'models.student': new TinyModel(1, 2), data } });
  await buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 1, batchSize: 2 }).run(ctx);
  const wider = await makeStageContext({ root, resumeFrom: ctx.dir, refs: { 'models.student': new TinyModel(1, 2, 6), data } });
  await assert.rejects(buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 2, batchSize: 2 }).run(wider), (e) => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_INVALID' && /shape/.test(e.message));
  const renamed = await makeStageContext({ root, resumeFrom: ctx.dir, refs: { 'models.student': new TinyModel(1, 2, 4, 1, 'backbone/other'), data } });
  await assert.rejects(buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 2, batchSize: 2 }).run(renamed), (e) => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_INVALID' && /backbone\/other/.test(e.message));
  // init from an earlier run's stage folder also checks the architecture.
  const init = await makeStageContext({ root: await tempDir('init'), refs: { 'models.student': new TinyModel(1, 2, 6), data } });
  await assert.rejects(buildStudentStage('supervised', [new CrossEntropyTerm()], { init: ctx.dir }).run(init), (e) => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_INVALID');
  await assert.rejects(buildStudentStage('supervised', [new CrossEntropyTerm()], { init: path.join(root, 'nowhere') }).run(init), (e) => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_INVALID' && /no weights/.test(e.message));
});

test('a latest.json naming a missing checkpoint is reported, not silently ignored', async () => {
  const dir = await tempDir('dangling');
  await fs.mkdir(path.join(dir, 'checkpoints'), { recursive: true });
  await fs.writeFile(path.join(dir, 'checkpoints', 'latest.json'), JSON.stringify({ checkpoint: 'ckpt-00000007', step: 7, epoch: 0 }));
  await assert.rejects(new CheckpointStore(dir).latest(), (e) => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_INVALID' && /does not exist/.test(e.message));
});

test('a SIGKILLed training process leaves a complete latest checkpoint that resumes to the uninterrupted result', async () => {
  const root = await tempDir('kill');
  const stageDir = path.join(root, 'stages', 'train');
  const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'killable-run.js')], { env: { ...process.env, GF_TRAINERS_CHILD_ROOT: root }, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 20000;
  for (;;) {
    const latest = await fs.readFile(path.join(stageDir, 'checkpoints', 'latest.json'), 'utf8').then((t) => JSON.parse(t) as { step: number }, () => undefined);
    if (latest && latest.step >= 4) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      assert.fail('child never reached step 4');
    }
    await new Promise((r) => setTimeout(r, 15));
  }
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  // A half-written checkpoint folder like the one a kill during a save leaves; the next run must clean it up.
  await fs.mkdir(path.join(stageDir, 'checkpoints', '.ckpt-00000099.123.abcd.tmp'), { recursive: true });

  const store = new CheckpointStore(stageDir);
  const latestDir = await store.latest();
  assert.ok(latestDir);
  const probe = new TinyModel(1, 2, 4, 77);
  const optimizer = new AdamOptimizer({ lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 }, false);
  const part = modelPart('model', probe);
  const state = await CheckpointStore.load(latestDir, [part], [{ name: 'main', optimizer, params: () => part.params() }]);
  assert.ok(state.step >= 4 && state.step < 30, `killed at step ${state.step}`);
  assert.equal(optimizer.state().iterations, state.step);

  const reference = await uninterrupted(KILL_TEST_OPTIONS);
  const model = new TinyModel(1, 2, 4, 55);
  const ctx = await makeStageContext({ root, resumeFrom: stageDir, refs: { 'models.student': model, data: new FakeData(3, { train: 6 }) } });
  await buildStudentStage('supervised', [new CrossEntropyTerm()], KILL_TEST_OPTIONS).run(ctx);
  const weights = snapshotWeights(model);
  for (const name of Object.keys(reference)) assert.deepEqual(weights[name], reference[name], `weight ${name} differs after kill + resume`);
  assert.deepEqual((await fs.readdir(path.join(stageDir, 'checkpoints'))).filter((n) => n.startsWith('.')), []);
});

test('an unwritable checkpoint folder fails before training with GF_RUN_DIR_UNWRITABLE', async () => {
  const root = await tempDir('unwritable');
  const model = new TinyModel(1, 2);
  const ctx = await makeStageContext({ root, refs: { 'models.student': model, data: new FakeData(3, { train: 4 }) } });
  await fs.writeFile(path.join(ctx.dir, 'checkpoints'), 'not a folder');
  const before = snapshotWeights(model);
  await assert.rejects(buildStudentStage('supervised', [new CrossEntropyTerm()], OPTIONS).run(ctx), (e) => isGraphFlowError(e) && e.code === 'GF_RUN_DIR_UNWRITABLE');
  assert.deepEqual(snapshotWeights(model), before);
});

test('a checkpoint write failing mid-run (disk full) leaves latest.json on the previous complete checkpoint', async () => {
  const root = await tempDir('enospc');
  const data = new FakeData(3, { train: 6 });
  const ctx = await makeStageContext({ root, refs: { 'models.student': new TinyModel(1, 2), data } });
  const original = nodeFs.promises.open;
  nodeFs.promises.open = (async (file: nodeFs.PathLike, ...rest: unknown[]) => {
    if (String(file).includes('ckpt-00000004') && String(file).endsWith('weights.bin')) {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    return (original as (...a: unknown[]) => Promise<nodeFs.promises.FileHandle>)(file, ...rest);
  }) as typeof original;
  try {
    await assert.rejects(buildStudentStage('supervised', [new CrossEntropyTerm()], OPTIONS).run(ctx), (e) => isGraphFlowError(e) && e.code === 'GF_RUN_DIR_UNWRITABLE' && /ENOSPC/.test(e.message));
  } finally {
    nodeFs.promises.open = original;
  }
  const store = new CheckpointStore(ctx.dir);
  const latest = await store.latest();
  // Checkpoints: step 2 (every 2), step 3 (epoch end), step 4 fails.
  assert.equal(path.basename(latest!), 'ckpt-00000003');
  const leftovers = (await fs.readdir(store.root)).filter((n) => n.endsWith('.tmp'));
  assert.deepEqual(leftovers, [], 'no partial checkpoint folder left behind');
  const model = new TinyModel(1, 2, 4, 3);
  const part = modelPart('model', model);
  const optimizer = new AdamOptimizer({ lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 }, false);
  assert.equal((await CheckpointStore.load(latest!, [part], [{ name: 'main', optimizer, params: () => part.params() }])).step, 3);
});

test('resume stays bit-exact with unseeded dropout in the model (per-update seeded randomness)', async () => {
  const data = new FakeData(3, { train: 6 });
  const make = (seed: number) => Object.assign(new TinyModel(1, 2, 4, seed), { dropout: 0.3 });
  const ref = make(1);
  await buildStudentStage('supervised', [new CrossEntropyTerm()], OPTIONS).run(await makeStageContext({ root: await tempDir('drop-ref'), refs: { 'models.student': ref, data } }));
  const again = make(1);
  await buildStudentStage('supervised', [new CrossEntropyTerm()], OPTIONS).run(await makeStageContext({ root: await tempDir('drop-ref2'), refs: { 'models.student': again, data } }));
  assert.deepEqual(snapshotWeights(again), snapshotWeights(ref), 'two runs with the same seed differ');

  const root = await tempDir('drop');
  const controller = new AbortController();
  const ctx = await makeStageContext({ root, signal: controller.signal, refs: { 'models.student': make(1), data } });
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (record) => {
    await append(record);
    if (record['step'] === 4) controller.abort();
  };
  await buildStudentStage('supervised', [new CrossEntropyTerm()], OPTIONS).run(ctx);
  const resumed = make(50);
  await buildStudentStage('supervised', [new CrossEntropyTerm()], OPTIONS).run(await makeStageContext({ root, resumeFrom: ctx.dir, refs: { 'models.student': resumed, data } }));
  assert.deepEqual(snapshotWeights(resumed), snapshotWeights(ref));
  assert.equal(typeof Math.random(), 'number');
});
