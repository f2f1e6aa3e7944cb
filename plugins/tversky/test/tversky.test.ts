import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Registry } from '@graphflow/core';
import plugin, { TverskyLoss } from '../src';

const base = { alpha: 0.5, beta: 0.5, gamma: 1, smooth: 0, ignoreBackground: false };
// Two pixels, two classes. Logits make p = [0.25, 0.75] at both pixels; labels [1, 0].
const logits = () => tf.tensor4d([0, Math.log(3), 0, Math.log(3)], [1, 1, 2, 2]);
const labels = () => tf.tensor3d([1, 0], [1, 1, 2], 'int32');
const run = (o: typeof base) => new TverskyLoss('loss/tversky', o).compute({ images: tf.zeros([1, 1, 2, 1]), labels: labels(), student: { logits: logits(), taps: {} }, labeled: true, step: 0 }).dataSync()[0]!;

test('registers loss/tversky and loss/focal-tversky with defaults', async () => {
  const registry = new Registry();
  await registry.use(plugin);
  assert.deepEqual(registry.list('loss').map((c) => c.id), ['loss/focal-tversky', 'loss/tversky']);
  const o: Record<string, unknown> = {};
  assert.ok(registry.get('loss/focal-tversky')!.validate(o));
  assert.equal(o['gamma'], 0.75);
  assert.deepEqual(registry.get('loss/tversky')!.definition.rules!({ ...base, alpha: 0, beta: 0 })[0]?.pointer, '/beta');
});

test('α = β = ½ gives the soft Dice loss (hand-computed)', () => {
  // class 0: TP = .25 (pixel 2), FP = .25 (pixel 1), FN = .75 → TI = .25/(.25+.125+.375) = 1/3
  // class 1: TP = .75 (pixel 1), FP = .75 (pixel 2), FN = .25 → TI = .75/(.75+.375+.125) = 0.6
  const expected = ((1 - 1 / 3) + (1 - 0.6)) / 2;
  assert.ok(Math.abs(run(base) - expected) < 1e-6);
});

test('β > α penalizes false negatives more; γ focuses; ignoreBackground drops class 0', () => {
  const recall = run({ ...base, alpha: 0.3, beta: 0.7 });
  // class 0: .25/(.25+.075+.525); class 1: .75/(.75+.225+.175)
  const expected = ((1 - 0.25 / 0.85) + (1 - 0.75 / 1.15)) / 2;
  assert.ok(Math.abs(recall - expected) < 1e-6);
  assert.ok(Math.abs(run({ ...base, gamma: 2 }) - ((2 / 3) ** 2 + 0.4 ** 2) / 2) < 1e-6);
  assert.ok(Math.abs(run({ ...base, ignoreBackground: true }) - 0.4) < 1e-6);
});

test('gradients flow to the logits and tensors do not leak', () => {
  const x = logits();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const g = tf.grad((z: tf.Tensor) => new TverskyLoss('loss/tversky', base).compute({ images: tf.zeros([1, 1, 2, 1]), labels: labels(), student: { logits: z as tf.Tensor4D, taps: {} }, labeled: true, step: i }))(x);
    assert.ok(Array.from(g.dataSync()).every(Number.isFinite));
    assert.ok(Array.from(g.dataSync()).some((v) => v !== 0));
    g.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

test('a batch without labels is the plugin\'s own coded error, which the registry lists', async () => {
  const loss = new TverskyLoss('loss/tversky', base);
  assert.throws(
    () => loss.compute({ images: tf.zeros([1, 1, 2, 1]), student: { logits: logits(), taps: {} }, labeled: false, step: 0 }),
    (e: Error & { code?: string; exitCode?: number }) => e.code === 'TVERSKY_LABELS_MISSING' && e.exitCode === 2 && /loss\/tversky needs labels/.test(e.message),
  );
  const registry = new Registry();
  await registry.use(plugin);
  assert.deepEqual(registry.listErrorCodes().map((c) => [c.code, c.plugin, c.input]), [['TVERSKY_LABELS_MISSING', '@graphflow/plugin-tversky', true]]);
});
