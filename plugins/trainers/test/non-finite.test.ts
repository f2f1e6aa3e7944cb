import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isGraphFlowError, type LossInputs, type Metric, type MetricValue, type SegmentationModel, type StageContext } from '@graphflow/core';
import { TinyModel, snapshotWeights } from './fixtures/tiny-model';
import { BatchNormModel } from './fixtures/bn-model';
import { FakeData } from './fixtures/fake-data';
import { CrossEntropyTerm } from './fixtures/fake-losses';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { buildStudentStage } from './fixtures/build-stage';
import { scanWeightFiles, tinyVariable } from './fixtures/weight-scan';
import { CheckpointStore, type CheckpointState } from '../src/checkpoint/checkpoint-store';
import { loadSnapshot, saveSnapshot } from '../src/checkpoint/final-weights';
import { DiceMetric } from '../src/metrics/dice';
import { evaluateModel } from '../src/evaluation/evaluate-model';
import { predictImages } from '../src/predict/predict-images';
import { AdamOptimizer } from '../src/optim/adam';
import { SgdOptimizer } from '../src/optim/sgd';
import { modelPart } from '../src/training/trainable-part';
import type { LoopExtra } from '../src/training/training-loop';
import type { TrainingStageOptions } from '../src/stages/training-options';

tf.setBackend('cpu');

const VALIDATE = { every: 1, partition: 'val' as const, monitor: 'dice', metrics: [], patience: 0, restoreBest: true, batchSize: 2 };
const notFinite = (e: unknown) => isGraphFlowError(e) && (e.code === 'GF_LOSS_NOT_FINITE' || e.code === 'GF_WEIGHTS_NOT_FINITE');

async function latestState(stageDir: string): Promise<CheckpointState<LoopExtra>> {
  const dir = (await new CheckpointStore(stageDir).latest())!;
  return JSON.parse(await fs.readFile(path.join(dir, 'state.json'), 'utf8')) as CheckpointState<LoopExtra>;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Records every metric line and every warning of a stage context. */
function record(ctx: StageContext): { metrics: Record<string, unknown>[]; warnings: string[] } {
  const metrics: Record<string, unknown>[] = [];
  const warnings: string[] = [];
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (r) => {
    metrics.push(r);
    await append(r);
  };
  (ctx.logger as unknown as { warn: (o: unknown, m?: string) => void }).warn = (o, m) => warnings.push(typeof o === 'string' ? o : (m ?? ''));
  return { metrics, warnings };
}

test('a learning rate of 1e6 never leaves NaN on disk: the stage stops with a code, or ends with finite weights', async () => {
  const cases: [string, () => SegmentationModel, () => SgdOptimizer | AdamOptimizer][] = [
    ['tiny + sgd', () => new TinyModel(1, 2), () => new SgdOptimizer({ lr: 1e6, momentum: 0.9, nesterov: false, weightDecay: 0 })],
    ['batch norm + sgd', () => new BatchNormModel(), () => new SgdOptimizer({ lr: 1e6, momentum: 0.9, nesterov: false, weightDecay: 0 })],
    ['batch norm + adam', () => new BatchNormModel(), () => new AdamOptimizer({ lr: 1e6, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 }, false)],
  ];
  const outcomes: string[] = [];
  for (const [label, model, optimizer] of cases) {
    const ctx = await makeStageContext({ root: await tempDir('huge-lr'), refs: { 'models.student': model(), data: new FakeData(3, { train: 6, val: 2 }) } });
    const stage = buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 4, batchSize: 2, checkpointEvery: 1, validation: VALIDATE }, [new DiceMetric()], optimizer());
    try {
      const result = await stage.run(ctx);
      outcomes.push(`${label}: done`);
      assert.ok(Number.isFinite((result.metrics?.['best'] as { value: number }).value), label);
      // Checkpoints carry the batch-norm moving statistics (exact resume needs them).
      const ckpt = (await new CheckpointStore(ctx.dir).latest())!;
      const names = (JSON.parse(await fs.readFile(path.join(ckpt, 'weights.json'), 'utf8')) as { entries: { name: string }[] }).entries.map((e) => e.name);
      assert.ok(names.includes('model/bn/moving_mean') && names.includes('model/bn/moving_variance'), names.join(', '));
    } catch (e) {
      assert.ok(notFinite(e), `${label}: ${(e as Error).message}`);
      outcomes.push(`${label}: ${(e as { code: string }).code}`);
      const latest = await latestState(ctx.dir);
      assert.match((e as Error).message, new RegExp(`latest\\.json still names ckpt-${String(latest.step).padStart(8, '0')}`), label);
      assert.equal(await exists(path.join(ctx.dir, 'final')), false, `${label}: no final/ after a failed stage`);
      // The checkpoint latest.json names loads (every value verified finite).
      await loadSnapshot(path.join(ctx.dir, 'checkpoints', `ckpt-${String(latest.step).padStart(8, '0')}`), [modelPart('model', model())]);
    }
    const files = await scanWeightFiles(ctx.dir);
    assert.ok(files.length > 0);
    assert.deepEqual(files.filter((f) => f.nonFinite > 0), [], `${label}: non-finite values on disk`);
  }
  // SGD diverges within a few updates (a NaN loss, or NaN logits in validation); Adam's bounded steps stay finite.
  assert.deepEqual(outcomes, ['tiny + sgd: GF_LOSS_NOT_FINITE', 'batch norm + sgd: GF_WEIGHTS_NOT_FINITE', 'batch norm + adam: done']);
});

/** Sets one non-trainable statistic to NaN in its `at`-th training-mode forward pass, as a diverging batch norm does. */
class PoisonedStatsModel extends TinyModel {
  calls = 0;
  constructor(private readonly at: number) {
    super(1, 2);
  }
  override forward(images: tf.Tensor4D, options: Parameters<TinyModel['forward']>[1]) {
    const out = super.forward(images, options);
    if (options.training && ++this.calls === this.at) tinyVariable(this, 'stats/mean').assign(tf.fill([2], NaN));
    return out;
  }
}

class PoisonedBatchNorm extends BatchNormModel {
  calls = 0;
  constructor(private readonly at: number) {
    super();
  }
  override forward(images: tf.Tensor4D, options: Parameters<BatchNormModel['forward']>[1]) {
    const out = super.forward(images, options);
    if (options.training && ++this.calls === this.at) this.weights().find((w) => w.name === 'bn/moving_variance')!.variable.assign(tf.fill([4], NaN));
    return out;
  }
}

test('a batch-norm moving statistic turning NaN (finite loss) stops the stage with GF_WEIGHTS_NOT_FINITE naming it; best/ and checkpoints stay finite', async () => {
  for (const [model, name] of [
    [new PoisonedStatsModel(5), 'model/stats/mean'],
    [new PoisonedBatchNorm(5), 'model/bn/moving_variance'],
  ] as const) {
    const ctx = await makeStageContext({ root: await tempDir('bn-nan'), refs: { 'models.student': model, data: new FakeData(3, { train: 6, val: 2 }) } });
    const seen = record(ctx);
    // 3 updates per epoch: validation + best/ + checkpoint after update 3; update 5 poisons the statistic.
    await assert.rejects(
      buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 3, batchSize: 2, validation: VALIDATE }, [new DiceMetric()]).run(ctx),
      (e) => isGraphFlowError(e) && e.code === 'GF_WEIGHTS_NOT_FINITE' && e.message.includes(name) && /step 5/.test(e.message) && /still names ckpt-00000003/.test(e.message),
    );
    assert.ok(seen.metrics.every((m) => typeof m['ce'] !== 'number' || Number.isFinite(m['ce'])), 'the loss stayed finite');
    assert.equal((await latestState(ctx.dir)).step, 3);
    const best = JSON.parse(await fs.readFile(path.join(ctx.dir, 'best', 'snapshot.json'), 'utf8'));
    assert.equal(best.step, 3);
    assert.equal(await exists(path.join(ctx.dir, 'final')), false);
    assert.deepEqual((await scanWeightFiles(ctx.dir)).filter((f) => f.nonFinite > 0), []);
  }
});

test('snapshots refuse non-finite weights and leave the previous snapshot in place', async () => {
  const dir = await tempDir('snap-nan');
  const model = new TinyModel(1, 2);
  await saveSnapshot(path.join(dir, 'best'), [modelPart('model', model)], { step: 1, epoch: 0 });
  const before = await fs.readFile(path.join(dir, 'best', 'weights.bin'));
  tinyVariable(model, 'head/bias').assign(tf.tensor1d([0, Infinity]));
  await assert.rejects(saveSnapshot(path.join(dir, 'best'), [modelPart('model', model)], { step: 2, epoch: 0 }), (e) => isGraphFlowError(e) && e.code === 'GF_WEIGHTS_NOT_FINITE' && /head\/bias \(1 of 2 values, first at \[1\]\)/.test(e.message));
  assert.deepEqual(await fs.readFile(path.join(dir, 'best', 'weights.bin')), before);
  assert.deepEqual((await fs.readdir(dir)).sort(), ['best']);
});

/** Finite weights whose inference-mode logits overflow (what huge batch-norm statistics do). */
class OverflowingModel extends TinyModel {
  override forward(images: tf.Tensor4D, options: Parameters<TinyModel['forward']>[1]) {
    const out = super.forward(images, options);
    if (options.training) return out;
    const logits = tf.tidy(() => out.logits.mul(Infinity));
    out.logits.dispose();
    return { ...out, logits: logits as tf.Tensor4D };
  }
}

/** Always-NaN metric: validation runs but its monitored value is never a number. */
class NanMetric implements Metric {
  readonly name = 'nan-dice';
  readonly higherIsBetter = true;
  compute(): MetricValue {
    return { mean: NaN, perClass: [NaN, NaN] };
  }
}

test('a NaN monitored metric never becomes best (warning), and NaN logits in validation stop the stage', async () => {
  const ctx = await makeStageContext({ root: await tempDir('nan-metric'), refs: { 'models.student': new TinyModel(1, 2), data: new FakeData(3, { train: 4, val: 2 }) } });
  const seen = record(ctx);
  const result = await buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 2, batchSize: 2, validation: { ...VALIDATE, monitor: 'nan-dice' } }, [new NanMetric()]).run(ctx);
  assert.equal(result.metrics?.['best'], undefined);
  assert.equal(await exists(path.join(ctx.dir, 'best')), false);
  assert.equal(seen.warnings.filter((w) => /"nan-dice" is NaN; these weights cannot become the best/.test(w)).length, 2);

  const ctx2 = await makeStageContext({ root: await tempDir('nan-logits'), refs: { 'models.student': new OverflowingModel(1, 2), data: new FakeData(3, { train: 6, val: 2 }) } });
  await assert.rejects(
    buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 2, batchSize: 2, checkpointEvery: 1, validation: VALIDATE }, [new DiceMetric()]).run(ctx2),
    (e) => isGraphFlowError(e) && e.code === 'GF_WEIGHTS_NOT_FINITE' && /logits were NaN\/Infinite on 2 image\(s\)/.test(e.message) && /still names ckpt-00000002/.test(e.message),
  );
  assert.equal(await exists(path.join(ctx2.dir, 'best')), false, 'a validation with NaN logits (Dice 0) is no best');
});

test('evaluation and prediction refuse NaN logits (GF_WEIGHTS_NOT_FINITE) instead of reporting Dice 0 or background masks', async () => {
  const data = new FakeData(3, { test: 3 });
  const model = new OverflowingModel(1, 2);
  await assert.rejects(evaluateModel(model, data, { partition: 'test', metrics: [new DiceMetric()], batchSize: 2 }), (e) => isGraphFlowError(e) && e.code === 'GF_WEIGHTS_NOT_FINITE' && /NaN\/Infinite logits on 2 image\(s\) while evaluating the test split/.test(e.message));
  const out = path.join(await tempDir('predict-nan'), 'out');
  const samples = [];
  for await (const s of data.samples('test')) samples.push(s);
  await assert.rejects(predictImages(model, samples, { outDir: out }), (e) => isGraphFlowError(e) && e.code === 'GF_WEIGHTS_NOT_FINITE' && /while predicting/.test(e.message));
  assert.equal(await exists(out), false, 'no mask was written');
  // Tiled inference sees them too.
  await assert.rejects(
    evaluateModel(model, new FakeData(3, { test: 1 }, 24), { partition: 'test', metrics: [new DiceMetric()], batchSize: 1, inference: { mode: 'sliding-window', tile: [16, 16] } }),
    (e) => isGraphFlowError(e) && e.code === 'GF_WEIGHTS_NOT_FINITE',
  );
});

/** Cross-entropy that is NaN on the given updates (0-based step numbers) only. */
class FlakyCe extends CrossEntropyTerm {
  constructor(private readonly nanAt: ReadonlySet<number>) {
    super();
  }
  override compute(inputs: LossInputs): tf.Scalar {
    return this.nanAt.has(inputs.step) ? tf.scalar(NaN) : super.compute(inputs);
  }
}

const withPolicy = (onNonFinite: TrainingStageOptions['onNonFinite'], extra: Partial<TrainingStageOptions> = {}): Partial<TrainingStageOptions> => ({ epochs: 2, batchSize: 2, onNonFinite, maxSkips: 3, ...extra });

test('onNonFinite "skip-step" drops non-finite updates without a trace (statistics restored) and continues', async () => {
  const model = new TinyModel(1, 2);
  const ctx = await makeStageContext({ root: await tempDir('skip'), refs: { 'models.student': model, data: new FakeData(3, { train: 6 }) } });
  const seen = record(ctx);
  const after: Record<number, Record<string, Float32Array>> = {};
  const append = ctx.run.appendMetric;
  ctx.run.appendMetric = async (r) => {
    after[r['step'] as number] = snapshotWeights(model);
    await append(r);
  };
  // Updates 3 and 4 have a NaN loss; their forward passes did move the running statistic.
  const result = await buildStudentStage('supervised', [new FlakyCe(new Set([2, 3]))], withPolicy('skip-step')).run(ctx);
  assert.equal(result.metrics?.['steps'], 6);
  assert.deepEqual(after[4], after[2], 'weights and statistics after the skipped updates equal those before');
  assert.notDeepEqual(after[5]!['stats/mean'], after[4]!['stats/mean']);
  assert.deepEqual(seen.metrics.filter((m) => m['skipped'] === 1).map((m) => m['step']), [3, 4]);
  assert.equal(seen.warnings.filter((w) => /update \d skipped \(onNonFinite "skip-step"\): loss term "ce" is NaN/.test(w)).length, 2);
  const state = await latestState(ctx.dir);
  assert.equal(state.optimizers['main']!.iterations, 4, 'two of six updates were not applied');
  assert.deepEqual(state.extra.nonFinite, { skipped: 2, consecutive: 0, lrFactor: 1 });
  assert.deepEqual((await scanWeightFiles(ctx.dir)).filter((f) => f.nonFinite > 0), []);

  // A batch-norm statistic poisoned by a forward pass is restored too.
  const poisoned = new PoisonedStatsModel(2);
  const ctx2 = await makeStageContext({ root: await tempDir('skip-bn'), refs: { 'models.student': poisoned, data: new FakeData(3, { train: 6 }) } });
  const seen2 = record(ctx2);
  await buildStudentStage('supervised', [new CrossEntropyTerm()], withPolicy('skip-step')).run(ctx2);
  assert.ok(Array.from(tinyVariable(poisoned, 'stats/mean').dataSync()).every(Number.isFinite));
  assert.ok(seen2.warnings.some((w) => /update 2 skipped .*model\/stats\/mean/.test(w)), seen2.warnings.join('\n'));
});

test('skip-step stops after maxSkips consecutive skips; reduce-lr halves the learning rate per skip', async () => {
  const ce = new CrossEntropyTerm();
  ce.nanFromStep = 2;
  const ctx = await makeStageContext({ root: await tempDir('skip-max'), refs: { 'models.student': new TinyModel(1, 2), data: new FakeData(3, { train: 6 }) } });
  const seen = record(ctx);
  await assert.rejects(
    buildStudentStage('supervised', [ce], withPolicy('skip-step', { epochs: 3 })).run(ctx),
    (e) => isGraphFlowError(e) && e.code === 'GF_LOSS_NOT_FINITE' && /step 6/.test(e.message) && /maxSkips 3/.test(e.message) && /still names ckpt-00000003/.test(e.message),
  );
  assert.deepEqual(seen.metrics.filter((m) => m['skipped'] === 1).map((m) => m['step']), [3, 4, 5]);

  const lrAt = async (policy: 'skip-step' | 'reduce-lr') => {
    const c = await makeStageContext({ root: await tempDir(`lr-${policy}`), refs: { 'models.student': new TinyModel(1, 2), data: new FakeData(3, { train: 6 }) } });
    const s = record(c);
    await buildStudentStage('supervised', [new FlakyCe(new Set([1, 2]))], withPolicy(policy)).run(c);
    return { lr: Object.fromEntries(s.metrics.filter((m) => typeof m['lr'] === 'number').map((m) => [m['step'], m['lr'] as number])), state: await latestState(c.dir) };
  };
  const skip = await lrAt('skip-step');
  const reduce = await lrAt('reduce-lr');
  assert.equal(skip.lr[1], reduce.lr[1]);
  assert.ok(Math.abs(reduce.lr[4]! / skip.lr[4]! - 0.25) < 1e-12, 'two skips → a quarter of the scheduled lr');
  assert.ok(Math.abs(reduce.lr[6]! / skip.lr[6]! - 0.25) < 1e-12);
  assert.deepEqual(reduce.state.extra.nonFinite, { skipped: 2, consecutive: 0, lrFactor: 0.25 });
});

test('a resumed skip-step run skips the same updates and reaches bit-identical weights', async () => {
  const data = new FakeData(3, { train: 6 });
  const options = withPolicy('reduce-lr', { epochs: 3, checkpointEvery: 2 });
  const reference = new TinyModel(1, 2);
  await buildStudentStage('supervised', [new FlakyCe(new Set([2, 6]))], options).run(await makeStageContext({ root: await tempDir('skip-ref'), refs: { 'models.student': reference, data } }));

  const root = await tempDir('skip-resume');
  const controller = new AbortController();
  const ctx = await makeStageContext({ root, signal: controller.signal, refs: { 'models.student': new TinyModel(1, 2), data } });
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (r) => {
    await append(r);
    if (r['step'] === 5) controller.abort();
  };
  await buildStudentStage('supervised', [new FlakyCe(new Set([2, 6]))], options).run(ctx);
  assert.deepEqual((await latestState(ctx.dir)).extra.nonFinite, { skipped: 1, consecutive: 0, lrFactor: 0.5 });
  const resumed = new TinyModel(1, 2, 4, 999);
  await buildStudentStage('supervised', [new FlakyCe(new Set([2, 6]))], options).run(await makeStageContext({ root, resumeFrom: ctx.dir, refs: { 'models.student': resumed, data } }));
  assert.deepEqual(snapshotWeights(resumed), snapshotWeights(reference));
  assert.deepEqual((await latestState(ctx.dir)).extra.nonFinite, { skipped: 2, consecutive: 0, lrFactor: 0.25 });
});
