import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isGraphFlowError } from '@graphflow/core';
import { TinyModel, snapshotWeights } from './fixtures/tiny-model';
import { FakeData } from './fixtures/fake-data';
import { CrossEntropyTerm, TranslatorKdTerm } from './fixtures/fake-losses';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { buildStudentStage } from './fixtures/build-stage';
import { DiceMetric } from '../src/metrics/dice';
import { IouMetric } from '../src/metrics/iou';
import { weightAt } from '../src/training/weighted-loss';
import { polySchedule } from '../src/schedules/schedule';

tf.setBackend('cpu');

test('stage/supervised trains, keeps tensor count flat, writes final weights, checkpoints and a loss curve', async () => {
  const root = await tempDir('sup');
  const model = new TinyModel(1, 2);
  const data = new FakeData(3, { train: 6, val: 2 });
  const before = snapshotWeights(model);
  const ctx = await makeStageContext({ root, refs: { 'models.student': model, data } });
  const counts: number[] = [];
  const losses: number[] = [];
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (record) => {
    if (typeof record['ce'] === 'number') {
      counts.push(tf.memory().numTensors);
      losses.push(record['ce'] as number);
    }
    await append(record);
  };
  const stage = buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 3, batchSize: 2, validation: { every: 1, partition: 'val', monitor: 'dice', metrics: [], patience: 0, restoreBest: false, batchSize: 2 } }, [new DiceMetric(), new IouMetric()]);
  const result = await stage.run(ctx);
  assert.equal(counts.length, 9);
  assert.ok(counts.every((c) => c === counts[0]), `tensor counts drift: ${counts.join(',')}`);
  assert.ok(losses[losses.length - 1]! < losses[0]!, `loss did not decrease: ${losses.join(', ')}`);
  const after = snapshotWeights(model);
  assert.notDeepEqual(after['conv1/kernel'], before['conv1/kernel']);
  assert.notDeepEqual(after['stats/mean'], before['stats/mean'], 'non-trainable state should update in training mode');
  assert.equal(result.metrics?.['steps'], 9);
  assert.ok(typeof (result.metrics?.['validation'] as Record<string, number>)['dice'] === 'number');
  const latest = JSON.parse(await fs.readFile(path.join(ctx.dir, 'checkpoints', 'latest.json'), 'utf8'));
  assert.equal(latest.step, 9);
  assert.equal(latest.epoch, 3);
  const png = await fs.readFile(path.join(ctx.dir, 'loss-curve.png'));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  assert.ok(result.artifacts?.includes('stages/train/loss-curve.png'));
  assert.equal(result.models?.['models.student']?.architecture, 'backbone/tiny');

  // restore() reloads the final weights into a fresh instance bit-exactly.
  const fresh = new TinyModel(1, 2, 4, 99);
  const ctx2 = await makeStageContext({ root, refs: { 'models.student': fresh, data } });
  await stage.restore(ctx2);
  assert.deepEqual(snapshotWeights(fresh), after);
});

test('stage/supervised rejects a loss that needs a teacher, and a model that does not fit the data', async () => {
  const root = await tempDir('sup-bad');
  const data = new FakeData(3);
  const ctx = await makeStageContext({ root, refs: { 'models.student': new TinyModel(1, 2), 'models.wrong': new TinyModel(1, 3), data } });
  await assert.rejects(buildStudentStage('supervised', [new TranslatorKdTerm()]).run(ctx), (e) => isGraphFlowError(e) && e.code === 'GF_OPTIONS_INVALID' && /needs a teacher/.test(e.message));
  await assert.rejects(buildStudentStage('supervised', [new CrossEntropyTerm()], { model: 'models.wrong' }).run(ctx), (e) => isGraphFlowError(e) && e.code === 'GF_OPTIONS_INVALID' && /3 classes/.test(e.message));
});

test('a NaN loss stops the stage with GF_LOSS_NOT_FINITE naming the term and step, before the update', async () => {
  const root = await tempDir('sup-nan');
  const model = new TinyModel(1, 2);
  const data = new FakeData(3);
  const ctx = await makeStageContext({ root, refs: { 'models.student': model, data } });
  const ce = new CrossEntropyTerm();
  ce.nanFromStep = 2;
  let afterTwo: Record<string, Float32Array> | undefined;
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (record) => {
    if (record['step'] === 2) afterTwo = snapshotWeights(model);
    await append(record);
  };
  await assert.rejects(buildStudentStage('supervised', [ce], { epochs: 2 }).run(ctx), (e) => isGraphFlowError(e) && e.code === 'GF_LOSS_NOT_FINITE' && /"ce"/.test(e.message) && /step 3/.test(e.message));
  // Trainable weights are untouched by the failing step (moving statistics are updated by its forward pass, as in any framework).
  const now = snapshotWeights(model);
  for (const name of ['conv1/kernel', 'conv2/kernel', 'head/kernel', 'head/bias']) assert.deepEqual(now[name], afterTwo![name]);
});

test('`init` starts a stage from an earlier run’s stage folder', async () => {
  const data = new FakeData(3, { train: 4 });
  const first = new TinyModel(1, 2);
  const ctxA = await makeStageContext({ root: await tempDir('init-a'), refs: { 'models.student': first, data } });
  await buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 1 }).run(ctxA);
  const trained = snapshotWeights(first);

  const second = new TinyModel(1, 2, 4, 77);
  const ctxB = await makeStageContext({ root: await tempDir('init-b'), refs: { 'models.student': second, data } });
  let atStart: Record<string, Float32Array> | undefined;
  const stage = buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 1, init: ctxA.dir });
  // Capture the weights the first update starts from by reading them when the first batch is requested.
  const batches = data.batches.bind(data);
  data.batches = (partition, options) => {
    atStart ??= snapshotWeights(second);
    return batches(partition, options);
  };
  await stage.run(ctxB);
  assert.deepEqual(atStart, trained);
});

test('loss weights follow their schedule', () => {
  const loss = { name: 'adv', term: new CrossEntropyTerm(), weight: 0.2, weightSchedule: polySchedule(1, 0, { warmupSteps: 2, warmupStartFactor: 0 }) };
  assert.deepEqual([0, 1, 2, 6, 10].map((s) => Number(weightAt(loss, s, 10).toFixed(6))), [0, 0.1, 0.2, 0.1, 0]);
});
