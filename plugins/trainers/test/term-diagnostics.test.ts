import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { Batch, LossInputs, LossRequirements, LossTerm } from '@graphflow/core';
import { TinyModel, snapshotWeights } from './fixtures/tiny-model';
import { FakeData } from './fixtures/fake-data';
import { AdversarialTerm, CrossEntropyTerm, TranslatorKdTerm } from './fixtures/fake-losses';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { buildStudentStage } from './fixtures/build-stage';
import { adversaryDiagnostics, gradientShares } from '../src/training/term-diagnostics';
import { termTable } from '../src/stages/training-report';
import { lossCurveSvg } from '../src/figures/loss-curve';
import type { WeightedLoss } from '../src/training/weighted-loss';
import { studentStep } from '../src/training/student-step';
import { AdamOptimizer } from '../src/optim/adam';
import { constantSchedule } from '../src/schedules/schedule';

tf.setBackend('cpu');

const close = (actual: number, expected: number, tol = 1e-5) => assert.ok(Math.abs(actual - expected) < tol, `${actual} ≠ ${expected}`);

function batch(seed: number): Batch {
  const images = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
  const labels = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, 8, 8], 0, 1, 'float32', seed + 1), 0.5), 'int32')) as tf.Tensor3D;
  return { images, labels, ids: ['a', 'b'], groups: ['a', 'b'], labeled: true };
}

/** The mean of the student's logits: a term whose gradient is easy to tell apart from CE's. */
class MeanLogitTerm implements LossTerm {
  readonly id: string = 'mean-logit';
  requirements(): LossRequirements {
    return { labels: false, teacher: false, studentTaps: [], teacherTaps: [] };
  }
  bind(): void {}
  compute(inputs: LossInputs): tf.Scalar {
    return tf.mean(inputs.student.logits) as tf.Scalar;
  }
  trainableVariables(): tf.Variable[] {
    return [];
  }
  dispose(): void {}
}

/** A term with named parts (like graph-flow's vertex and edge): the stage must log them and sum them to the term. */
class TwoPartTerm extends MeanLogitTerm {
  override readonly id: string = 'two-part';
  override compute(inputs: LossInputs): tf.Scalar {
    return tf.tidy(() => tf.addN(Object.values(this.computeParts(inputs))) as tf.Scalar);
  }
  computeParts(inputs: LossInputs): Record<string, tf.Scalar> {
    return tf.tidy(() => ({ vertex: tf.mean(tf.square(inputs.student.logits)) as tf.Scalar, edge: tf.mul(tf.mean(inputs.student.logits), 0.1) as tf.Scalar }));
  }
}

test('discriminator accuracy and mean scores on a constructed case', () => {
  // Teacher maps: 3 of 4 scored > 0; student maps: 1 of 4 scored < 0 → accuracy ½·(0.75 + 0.25) = 0.5.
  const d = adversaryDiagnostics('adv', [{ teacher: [1, 2, -1, 0.5], student: [0.2, 0.3, -0.4, 0.1] }]);
  close(d['adv/accuracy']!, 0.5);
  close(d['adv/scoreTeacher']!, 0.625);
  close(d['adv/scoreStudent']!, 0.05);
  // Across two calls of one update (labeled + unlabeled batch) every map counts once; a perfect discriminator scores 1.
  close(adversaryDiagnostics('adv', [{ teacher: [1], student: [-1] }, { teacher: [3, 2], student: [-2, -5] }])['adv/accuracy']!, 1);
  assert.deepEqual(adversaryDiagnostics('adv', []), {});
});

test('gradient shares: sum to 1, weight 0 gives 0, w·L scales the norm by w, and the norm is ‖w∇θL‖', () => {
  const student = new TinyModel(1, 2, 3, 4);
  const b = batch(1);
  const ce = new CrossEntropyTerm();
  const losses: WeightedLoss[] = [
    { name: 'ce', term: ce, weight: 1 },
    { name: 'ce#2', term: ce, weight: 3 },
    { name: 'mean-logit', term: new MeanLogitTerm(), weight: 0.5 },
    { name: 'off', term: new MeanLogitTerm(), weight: 0 },
  ];
  const before = tf.memory().numTensors;
  const out = gradientShares({ student, losses }, [b], [undefined], { batch: b, step: 0, totalSteps: 10, epoch: 0 });
  assert.equal(tf.memory().numTensors, before, 'gradientShares leaks tensors');
  const shares = losses.map((l) => out[`${l.name}/gradShare`]!);
  close(shares.reduce((a, c) => a + c, 0), 1);
  assert.equal(out['off/gradShare'], 0);
  close(out['ce#2/gradNorm']! / out['ce/gradNorm']!, 3, 1e-4);
  close(shares[1]! / shares[0]!, 3, 1e-4);
  // Hand check of one norm: ‖0.5·∇θ mean(logits)‖ by direct differentiation.
  const { value, grads } = tf.variableGrads(() => tf.mul(tf.mean(student.forward(b.images, { training: true }).logits), 0.5) as tf.Scalar, student.trainableVariables());
  const norm = Math.sqrt(Object.values(grads).reduce((a, g) => a + tf.sum(tf.square(g)).dataSync()[0]!, 0));
  close(out['mean-logit/gradNorm']!, norm, 1e-5);
  tf.dispose([value, grads, b.images, b.labels!]);
});

test('gradient shares leave batch-norm-like statistics and the update\'s random stream untouched', () => {
  const student = new TinyModel(1, 2, 3, 4);
  student.dropout = 0.3;
  const b = batch(2);
  const stats = () => Array.from(student.weights().find((w) => w.name === 'stats/mean')!.variable.dataSync());
  const statsBefore = stats();
  let draws = 0;
  const original = Math.random;
  Math.random = () => {
    draws++;
    return 0.5;
  };
  try {
    gradientShares({ student, losses: [{ name: 'ce', term: new CrossEntropyTerm(), weight: 1 }] }, [b], [undefined], { batch: b, step: 0, totalSteps: 1, epoch: 0 });
  } finally {
    Math.random = original;
  }
  assert.deepEqual(stats(), statsBefore);
  assert.equal(draws, 0, 'the diagnostic pass consumed the update\'s random numbers');
  tf.dispose([b.images, b.labels!]);
});

async function distillRun(folder: string, every: number) {
  const teacher = new TinyModel(1, 2, 6, 5, 'backbone/tiny-teacher');
  const student = new TinyModel(1, 2, 3, 8);
  student.dropout = 0.2;
  const data = new FakeData(3, { train: 6 });
  const ctx = await makeStageContext({ root: await tempDir(folder), name: 'distill', refs: { 'models.teacher': teacher, 'models.student': student, data } });
  const records: Record<string, unknown>[] = [];
  const counts: number[] = [];
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (record) => {
    if (typeof record['total'] === 'number') {
      counts.push(tf.memory().numTensors);
      records.push(record);
    }
    await append(record);
  };
  const stage = buildStudentStage('distill', [new CrossEntropyTerm(), new TranslatorKdTerm(), new TwoPartTerm(), new AdversarialTerm(1)], {
    epochs: 2,
    batchSize: 2,
    teacher: 'models.teacher',
    diagnostics: { every },
  });
  const result = await stage.run(ctx);
  return { student, records, counts, result };
}

test('stage/distill with diagnostics every update: shares logged and summing to 1, parts logged, tensors flat, same training as without', async () => {
  const on = await distillRun('diag-on', 1);
  const off = await distillRun('diag-off', 0);
  assert.deepEqual(snapshotWeights(on.student), snapshotWeights(off.student), 'diagnostics changed the training');
  assert.equal(on.records.length, 6);
  for (const r of on.records) {
    const shares = ['ce', 'translator-kd', 'two-part', 'adversarial'].map((n) => r[`${n}/gradShare`] as number);
    assert.ok(shares.every((s) => s >= 0 && s <= 1), JSON.stringify(shares));
    close(shares.reduce((a, b) => a + b, 0), 1);
    close((r['two-part/vertex'] as number) + (r['two-part/edge'] as number), r['two-part'] as number);
  }
  assert.ok(off.records.every((r) => !Object.keys(r).some((k) => k.endsWith('/gradShare'))));
  assert.ok(on.counts.every((c) => c === on.counts[0]), `tensor counts drift: ${on.counts.join(',')}`);
  const report = on.result.report ?? '';
  assert.match(report, /\| term \| first update \(untrained student\)/);
  assert.match(report, /\| two-part\/vertex \|/);
  assert.match(report, /\| ce \| [\d.]+ \| [\d.]+ \| [\d.]+ % → [\d.]+ % \|/);
});

test('report table and loss-curve panel for diagnostics', () => {
  const history = Array.from({ length: 20 }, (_, i) => ({
    step: i + 1,
    epoch: 0,
    terms: {
      ce: 2 - i / 20,
      'graph-flow': 1,
      'graph-flow/vertex': 0.6,
      'graph-flow/edge': 0.4,
      'adversarial/discriminator': 2 - i / 40,
      'adversarial/accuracy': 0.5 + i / 40,
      'adversarial/scoreTeacher': 0.1,
      lr: 0.01,
      gradNorm: 1,
      ...(i % 10 === 0 ? { 'ce/gradShare': 0.7, 'graph-flow/gradShare': 0.3, 'ce/gradNorm': 2 } : {}),
    },
  }));
  const table = termTable(history);
  assert.equal(table[2], '| ce | 2.0000 | 1.0750 | 70.0 % → 70.0 % |');
  assert.ok(table.indexOf('| graph-flow/vertex | 0.6000 | 0.6000 |  |') === table.findIndex((l) => l.startsWith('| graph-flow |')) + 1, 'parts follow their term');
  const svg = lossCurveSvg(history, 'distill');
  // Loss panel: ce, graph-flow, its two parts, the discriminator loss; diagnostics panel: two shares and the accuracy.
  assert.equal((svg.match(/<polyline/g) ?? []).length, 8);
  assert.ok(svg.includes('gradient share per term') && svg.includes('>adversarial/accuracy<') && !svg.includes('>adversarial/scoreTeacher<') && !svg.includes('>ce/gradNorm<'));
  assert.ok(/height="610"/.test(svg), 'the diagnostics panel extends the figure');
  const plain = lossCurveSvg(history.map((h) => ({ ...h, terms: { ce: h.terms.ce } })), 'teacher');
  assert.ok(!plain.includes('gradient share') && /height="420"/.test(plain));
});

test('studentStep hands the batch roi to every term and masks the maps the discriminator sees', () => {
  const student = new TinyModel(1, 2, 3, 4);
  const teacher = new TinyModel(1, 2, 3, 5, 'backbone/tiny-teacher');
  const b = batch(3);
  const roi = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, 8, 8], 0, 1, 'float32', 7), 0.3), 'float32')) as tf.Tensor3D;
  const seen: (tf.Tensor3D | undefined)[] = [];
  const recorder = new (class extends MeanLogitTerm {
    override compute(inputs: LossInputs): tf.Scalar {
      seen.push(inputs.roi);
      return super.compute(inputs);
    }
  })();
  const adv = new AdversarialTerm(1);
  const probsSeen: number[] = [];
  const loss = adv.adversary.loss.bind(adv.adversary);
  adv.adversary.loss = (inputs) => {
    // Outside the roi both maps must be all zeros.
    for (const probs of [inputs.studentProbs, inputs.teacherProbs]) probsSeen.push(tf.tidy(() => tf.sum(tf.mul(probs, tf.expandDims(tf.sub(1, roi), 3))).dataSync()[0]!));
    return loss(inputs);
  };
  const adam = () => new AdamOptimizer({ lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 }, false);
  const params = () => student.trainableVariables().map((variable, i) => ({ key: `p${i}`, variable }));
  const optimizer = adam();
  optimizer.prepare(params());
  const advOptimizer = adam();
  const advParams = () => adv.adversary.trainableVariables().map((variable, i) => ({ key: `d${i}`, variable }));
  advOptimizer.prepare(advParams());
  studentStep(
    {
      stage: 'distill',
      student,
      teacher,
      losses: [{ name: 'rec', term: recorder, weight: 1 }, { name: 'adversarial', term: adv, weight: 0.1 }],
      params,
      optimizer,
      schedule: constantSchedule(),
      clip: null,
      adversaries: [{ name: 'adversarial', term: adv, optimizer: advOptimizer, params: advParams }],
    },
    { batch: { ...b, roi }, step: 0, totalSteps: 1, epoch: 0 },
  );
  assert.deepEqual(seen, [roi]);
  assert.deepEqual(probsSeen, [0, 0]);
  tf.dispose([b.images, b.labels!, roi]);
});
