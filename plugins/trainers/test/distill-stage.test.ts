import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { TinyModel, snapshotWeights } from './fixtures/tiny-model';
import { FakeData } from './fixtures/fake-data';
import { AdversarialTerm, CrossEntropyTerm, TranslatorKdTerm } from './fixtures/fake-losses';
import { FakeParaphraser } from './fixtures/fake-paraphraser';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { buildStudentStage } from './fixtures/build-stage';
import { ParaphraserStage } from '../src/stages/paraphraser-stage';
import { defaultTrainingOptions } from '../src/stages/training-options';
import { AdamOptimizer } from '../src/optim/adam';
import { constantSchedule } from '../src/schedules/schedule';
import { adversaryUpdates } from '../src/training/student-step';

tf.setBackend('cpu');

function countTensorsPerStep(ctx: { run: { appendMetric(r: Record<string, unknown>): Promise<void> } }): number[] {
  const counts: number[] = [];
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (record) => {
    if (typeof record['total'] === 'number' || typeof record['reconstruction'] === 'number') counts.push(tf.memory().numTensors);
    await append(record);
  };
  return counts;
}

/** A paraphraser stage over a tiny teacher (taps shallow/deep, 6 channels) and a fresh fake paraphraser. */
async function paraphraserSetup(folder: string, split: { train: number; unlabeled?: number }, unlabeled: boolean) {
  const teacher = new TinyModel(1, 2, 6, 5, 'backbone/tiny-teacher');
  const paraphraser = new FakeParaphraser({ shallow: 6, deep: 6 });
  const data = new FakeData(3, split);
  const ctx = await makeStageContext({ root: await tempDir(folder), name: 'paraphraser', refs: { 'models.teacher': teacher, 'models.paraphraser': paraphraser, data } });
  const stage = new ParaphraserStage(
    { ...defaultTrainingOptions({ epochs: 2, batchSize: 2 }), teacher: 'models.teacher', paraphraser: 'models.paraphraser', unlabeled },
    { optimizer: new AdamOptimizer({ lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 }, false), schedule: constantSchedule() },
  );
  return { teacher, paraphraser, data, ctx, stage, counts: countTensorsPerStep(ctx) };
}

test('stage/paraphraser trains the paraphraser on the frozen teacher taps', async () => {
  const { teacher, paraphraser, ctx, stage, counts } = await paraphraserSetup('para', { train: 4 }, false);
  const teacherBefore = snapshotWeights(teacher);
  const paraBefore = snapshotWeights(paraphraser);
  const result = await stage.run(ctx);
  assert.equal(result.metrics?.['steps'], 4);
  assert.deepEqual(snapshotWeights(teacher), teacherBefore);
  assert.notDeepEqual(snapshotWeights(paraphraser)['deep/encoder'], paraBefore['deep/encoder']);
  assert.ok(counts.every((c) => c === counts[0]), `tensor counts drift: ${counts.join(',')}`);

  const fresh = new FakeParaphraser({ shallow: 6, deep: 6 });
  await stage.restore(await makeStageContext({ root: await tempDir('para-restore'), name: 'paraphraser', refs: { 'models.paraphraser': fresh } }).then((c) => ({ ...c, dir: ctx.dir })));
  assert.deepEqual(snapshotWeights(fresh), snapshotWeights(paraphraser));
});

test('stage/paraphraser with unlabeled: each update reconstructs a labeled and an unlabeled batch, labels never read', async () => {
  const { paraphraser, data, stage, ctx, counts } = await paraphraserSetup('para-semi', { train: 4, unlabeled: 6 }, true);
  const seen: number[] = [];
  const reconstruct = paraphraser.reconstructionLoss.bind(paraphraser);
  paraphraser.reconstructionLoss = (features) => {
    seen.push(features['deep']!.shape[0]);
    return reconstruct(features);
  };
  const result = await stage.run(ctx);
  assert.equal(result.metrics?.['steps'], 4);
  assert.deepEqual(seen, [4, 4, 4, 4]);
  assert.equal(data.served.unlabeled, 4);
  assert.equal(data.unlabeledLabelReads, 0);
  assert.ok(counts.length === 4 && counts.every((c) => c === counts[0]), `tensor counts drift: ${counts.join(',')}`);
});

test('stage/distill: teacher frozen, student + translator + discriminator trained, tensors flat', async () => {
  const teacher = new TinyModel(1, 2, 6, 5, 'backbone/tiny-teacher');
  const student = new TinyModel(1, 2, 3, 8);
  const data = new FakeData(3, { train: 6 });
  const ctx = await makeStageContext({ root: await tempDir('distill'), name: 'distill', refs: { 'models.teacher': teacher, 'models.student': student, data } });
  const counts = countTensorsPerStep(ctx);
  const kd = new TranslatorKdTerm();
  const adv = new AdversarialTerm(0.5);
  const teacherBefore = snapshotWeights(teacher);
  const studentBefore = snapshotWeights(student);
  const stage = buildStudentStage('distill', [new CrossEntropyTerm(), kd, adv], { epochs: 2, batchSize: 2, teacher: 'models.teacher' });
  const result = await stage.run(ctx);
  const terms = (result.metrics?.['finalLoss'] ?? {}) as Record<string, number>;
  // The last update (index 5) is odd, so with ratio 0.5 it has no discriminator step.
  assert.deepEqual(Object.keys(terms).sort(), ['adversarial', 'ce', 'gradNorm', 'lr', 'total', 'translator-kd']);
  assert.deepEqual(snapshotWeights(teacher), teacherBefore, 'frozen teacher changed');
  assert.notDeepEqual(snapshotWeights(student)['conv1/kernel'], studentBefore['conv1/kernel']);
  assert.notDeepEqual(Array.from(kd.translator!.dataSync()), Array.from(tf.eye(3, 6).mul(0.5).dataSync()), 'translator not trained');
  // Ratio 0.5 → the discriminator is updated on every second of the 6 updates.
  assert.equal(adv.adversary.updates, 3);
  assert.ok(counts.length === 6 && counts.every((c) => c === counts[0]), `tensor counts drift: ${counts.join(',')}`);
});

test('semi-supervised distill: unlabeled batches get only label-free terms and their labels are never read', async () => {
  const teacher = new TinyModel(1, 2, 6, 5, 'backbone/tiny-teacher');
  const student = new TinyModel(1, 2, 3, 8);
  const data = new FakeData(3, { train: 4, unlabeled: 6 });
  const ctx = await makeStageContext({ root: await tempDir('semi'), name: 'distill', refs: { 'models.teacher': teacher, 'models.student': student, data } });
  const counts = countTensorsPerStep(ctx);
  const ce = new CrossEntropyTerm();
  const kd = new TranslatorKdTerm();
  const result = await buildStudentStage('distill', [ce, kd], { epochs: 2, batchSize: 2, teacher: 'models.teacher', unlabeled: true }).run(ctx);
  assert.ok(counts.length === 4 && counts.every((c) => c === counts[0]), `tensor counts drift: ${counts.join(',')}`);
  assert.equal(result.metrics?.['steps'], 4);
  assert.ok(ce.calls.length === 4 && ce.calls.every((c) => c.labeled && c.hadLabels));
  assert.equal(kd.calls.filter((c) => !c.labeled).length, 4);
  assert.equal(kd.calls.filter((c) => c.labeled).length, 4);
  assert.equal(data.unlabeledLabelReads, 0);
  assert.equal(data.served.unlabeled, 4);
  assert.ok('translator-kd@unlabeled' in (result.metrics?.['finalLoss'] as Record<string, number>));
});

test('distill with translator and adversary resumes bit-exactly (every trained part and both optimizers)', async () => {
  const data = new FakeData(3, { train: 6, unlabeled: 4 });
  const make = (seed: number) => ({ teacher: new TinyModel(1, 2, 6, 5, 'backbone/tiny-teacher'), student: new TinyModel(1, 2, 3, seed), kd: new TranslatorKdTerm(), adv: new AdversarialTerm(1) });
  const opts = { epochs: 2, batchSize: 2, teacher: 'models.teacher', unlabeled: true };

  const ref = make(8);
  const refCtx = await makeStageContext({ root: await tempDir('dres-ref'), refs: { 'models.teacher': ref.teacher, 'models.student': ref.student, data } });
  await buildStudentStage('distill', [new CrossEntropyTerm(), ref.kd, ref.adv], opts).run(refCtx);

  const root = await tempDir('dres');
  const a = make(8);
  const controller = new AbortController();
  const ctx = await makeStageContext({ root, signal: controller.signal, refs: { 'models.teacher': a.teacher, 'models.student': a.student, data } });
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (r) => {
    await append(r);
    if (r['step'] === 4) controller.abort();
  };
  assert.equal((await buildStudentStage('distill', [new CrossEntropyTerm(), a.kd, a.adv], opts).run(ctx)).metrics?.['steps'], 4);

  const b = make(99);
  const resumed = await makeStageContext({ root, resumeFrom: ctx.dir, refs: { 'models.teacher': b.teacher, 'models.student': b.student, data } });
  await buildStudentStage('distill', [new CrossEntropyTerm(), b.kd, b.adv], opts).run(resumed);
  assert.deepEqual(snapshotWeights(b.student), snapshotWeights(ref.student));
  assert.deepEqual(Array.from(b.kd.translator!.dataSync()), Array.from(ref.kd.translator!.dataSync()));
  assert.deepEqual(Array.from(b.adv.weights()[0]!.variable.dataSync()), Array.from(ref.adv.weights()[0]!.variable.dataSync()));
});

test('adversary update ratio', () => {
  assert.deepEqual([0, 1, 2, 3].map((s) => adversaryUpdates(2, s)), [2, 2, 2, 2]);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((s) => adversaryUpdates(1 / 3, s)), [1, 0, 0, 1, 0, 0]);
});
