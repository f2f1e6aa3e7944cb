import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng, type ForwardOutput, type LossTerm } from '@graphflow/core';
import { composeLoss, readLossRecord, type WeightedTerm } from '../src/composition/compose-loss';
import { DiceCeLoss } from '../src/segmentation/dice-ce';
import { KdLoss } from '../src/distillation/kd';
import { GraphFlowLoss } from '../src/graph-flow/graph-flow-loss';
import { AdversarialLoss } from '../src/adversarial/adversarial-loss';
import { TinyNet, discBatch, useCpu } from './helpers/tiny-net';
import { bindTerm } from './helpers/inputs';

type VariableMap = Record<string, tf.Variable>;
const SIZE = 16;
const batches = [1, 2, 3, 4].map((seed) => discBatch(2, SIZE, 500 + seed));
const teacher = new TinyNet(1, 2, [8, 12, 16], 51, 'loop/teacher');
const student = new TinyNet(1, 2, [4, 6, 8], 52, 'loop/student');

before(async () => {
  await useCpu();
  // A briefly trained teacher, so its logits and taps carry real structure to distil.
  const term = new DiceCeLoss({ ceWeight: 1, diceWeight: 1, classWeights: null, ignoreBackground: false, smooth: 1 });
  const optimizer = tf.train.adam(0.02);
  for (let step = 0; step < 30; step++) {
    const { images, labels } = batches[step % batches.length]!;
    optimizer.minimize(() => term.compute({ images, labels, student: teacher.forward(images, { training: true, taps: [] }), labeled: true, step }), false, teacher.trainableVariables());
  }
  optimizer.dispose();
});
after(() => {
  teacher.dispose();
  student.dispose();
});

/**
 * The loop a distillation stage runs, in miniature: weighted dice-ce + kd + graph-flow + adversarial for the student
 * (and graph-flow's translators), and the discriminator stepped by its own optimizer at its update ratio.
 */
test('a tiny student trained with graph-flow + kd + adversarial: loss goes down, no tensors leak', async (t) => {
  const rng = new Rng(9);
  const graphFlow = new GraphFlowLoss({ paraphraser: null, teacherTaps: [], studentTaps: [], pairs: 2, channels: 8, grid: 4, lambdaVertex: 0.01, lambdaEdge: 0.002, translatorDepth: 1 }, undefined, rng.fork('gf'));
  const adversarial = new AdversarialLoss({ objective: 'hinge', gradientPenalty: 10, withImage: false, widths: [4, 8], spectralNorm: true, updateRatio: 1 }, rng.fork('adv'));
  const entries: WeightedTerm[] = [
    { term: new DiceCeLoss({ ceWeight: 1, diceWeight: 1, classWeights: null, ignoreBackground: false, smooth: 1 }), weight: 1 },
    { term: new KdLoss({ temperature: 2 }), weight: 1 },
    { term: graphFlow, weight: 1 },
    { term: adversarial, weight: 0.1 },
  ];
  for (const e of entries) await bindTerm(e.term, student, teacher, SIZE);
  const studentTaps = [...new Set(entries.flatMap((e) => e.term.requirements().studentTaps))];
  const teacherTaps = [...new Set(entries.flatMap((e) => e.term.requirements().teacherTaps))];
  const trainable = [...student.trainableVariables(), ...entries.flatMap((e) => e.term.trainableVariables())];
  const optimizer = tf.train.adam(0.01);
  const discriminatorOptimizer = tf.train.adam(0.002);

  const history: Record<string, number>[] = [];
  let settled = 0;
  const steps = 40;
  for (let step = 0; step < steps; step++) {
    const { images, labels } = batches[step % batches.length]!;
    const teacherOut: ForwardOutput = teacher.forward(images, { training: false, taps: teacherTaps });
    let composed: ReturnType<typeof composeLoss> | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const studentOut = student.forward(images, { training: true, taps: studentTaps });
      composed = composeLoss(entries, { images, labels, student: studentOut, teacher: teacherOut, labeled: true, step });
      return composed.total;
    }, trainable);
    const record = readLossRecord(composed!, step, 'test-distill');
    optimizer.applyGradients(grads as unknown as VariableMap);
    tf.dispose([value, grads]);

    const adversary = (adversarial as LossTerm).adversary!;
    const studentProbs = tf.tidy(() => tf.softmax(student.forward(images, { training: false, taps: [] }).logits, -1) as tf.Tensor4D);
    const teacherProbs = tf.softmax(teacherOut.logits, -1) as tf.Tensor4D;
    const d = discriminatorOptimizer.minimize(() => adversary.loss({ images, studentProbs, teacherProbs }), true, adversary.trainableVariables())!;
    history.push({ ...record.parts, total: record.total, discriminator: d.dataSync()[0]! });
    tf.dispose([d, studentProbs, teacherProbs, teacherOut.logits, ...Object.values(teacherOut.taps)]);
    if (step === 1) settled = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, settled, 'tensor count grew across training steps');

  const mean = (key: string, from: number, to: number) => history.slice(from, to).reduce((a, h) => a + h[key]!, 0) / (to - from);
  const window = batches.length * 2; // whole passes over the fixed batches, so windows compare like with like
  for (const key of ['total', 'dice-ce', 'kd', 'graph-flow']) {
    const first = mean(key, 0, window);
    const last = mean(key, steps - window, steps);
    t.diagnostic(`${key}: ${first.toFixed(4)} → ${last.toFixed(4)}`);
    assert.ok(last < first, `${key} did not go down: ${first} → ${last}`);
  }
  t.diagnostic(`adversarial (generator, weighted): ${mean('adversarial', 0, window).toFixed(4)} → ${mean('adversarial', steps - window, steps).toFixed(4)}; discriminator: ${mean('discriminator', 0, window).toFixed(4)} → ${mean('discriminator', steps - window, steps).toFixed(4)}`);
  for (const h of history) for (const v of Object.values(h)) assert.ok(Number.isFinite(v));
  optimizer.dispose();
  discriminatorOptimizer.dispose();
  for (const e of entries) e.term.dispose();
});
