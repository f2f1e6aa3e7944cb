import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng, type LossTerm } from '@graphflow/core';
import { DistLoss, distLoss, weightedPearson } from '../src/distillation/dist';
import { EmkdLoss, importanceMapDistillation, regionContrast } from '../src/distillation/emkd';
import { VidLoss, vidNegativeLogLikelihood } from '../src/distillation/vid';
import { LOSS_COMPONENTS } from '../src/index';
import { TinyNet, discBatch, randomTensor, useCpu } from './helpers/tiny-net';
import { bindTerm, lossInputs, termGradients } from './helpers/inputs';

before(useCpu);
const scalar = (t: tf.Tensor) => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};
const teacher = new TinyNet(1, 3, [8, 12, 16], 41, 'newer/teacher');
const student = new TinyNet(1, 3, [4, 6, 8], 42, 'newer/student');
const { images, labels } = discBatch(2, 16, 43);
after(() => {
  teacher.dispose();
  student.dispose();
});

const DIST = { temperature: 1, beta: 1, gamma: 1 };
const factories: Record<string, () => LossTerm> = {
  vid: () => new VidLoss({ teacherTaps: [], studentTaps: [], initVariance: 5, hiddenChannels: null }, new Rng(3)),
  emkd: () => new EmkdLoss({ teacherTaps: [], studentTaps: [], temperature: 4, alpha: 0.1, beta1: 0.9, beta2: 0.9 }),
  dist: () => new DistLoss(DIST),
};

/**
 * Central differences of `f` at a few coordinates of `x` against tf.grad: the analytic gradient these terms give the
 * student must be the derivative of the value they report.
 */
function checkGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, name: string, coordinates = 6, h = 1e-2): void {
  const analytic = tf.grad(f)(x);
  const g = analytic.dataSync();
  const values = x.dataSync();
  const rng = new Rng(11);
  for (let c = 0; c < coordinates; c++) {
    const i = rng.int(values.length);
    const at = (delta: number) => {
      const shifted = Float32Array.from(values);
      shifted[i]! += delta;
      return tf.tidy(() => scalar(f(tf.tensor(shifted, x.shape))));
    };
    const numeric = (at(h) - at(-h)) / (2 * h);
    const tolerance = 2e-3 + 5e-2 * Math.abs(numeric);
    assert.ok(Math.abs(numeric - g[i]!) <= tolerance, `${name}: coordinate ${i}: numeric ${numeric} vs analytic ${g[i]}`);
  }
  analytic.dispose();
}

describe('VID, EMKD and DIST terms on mismatched teacher/student (channels 8/12/16 vs 4/6/8, 3 classes)', () => {
  for (const [name, make] of Object.entries(factories)) {
    test(`${name}: finite loss with finite gradients for the student and for its own variables`, async () => {
      const term = make();
      await bindTerm(term, student, teacher);
      const { value, grads, vars } = termGradients(term, student, teacher, images, labels);
      assert.ok(Number.isFinite(value), `${name} = ${value}`);
      for (const v of vars) {
        const grad = grads[v.name];
        if (grad) assert.ok(Array.from(grad.dataSync()).every(Number.isFinite), `${name}: non-finite gradient for ${v.name}`);
      }
      assert.ok(student.trainableVariables().some((v) => grads[v.name] && scalar(tf.max(tf.abs(grads[v.name]!))) > 0), `${name}: no gradient reaches the student`);
      for (const v of term.trainableVariables()) assert.ok(grads[v.name], `${name}: no gradient for its own variable ${v.name}`);
      tf.dispose(Object.values(grads));
      term.dispose();
    });

    test(`${name}: no tensors left behind by a forward and backward pass`, async () => {
      const term = make();
      await bindTerm(term, student, teacher);
      tf.dispose(Object.values(termGradients(term, student, teacher, images, labels).grads));
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) tf.dispose(Object.values(termGradients(term, student, teacher, images, labels).grads));
      assert.equal(tf.memory().numTensors, before);
      term.dispose();
    });
  }

  for (const name of ['emkd', 'dist']) {
    test(`${name}: a network distilled into itself gives zero`, async () => {
      const term = factories[name]!();
      await bindTerm(term, teacher, teacher);
      const value = tf.tidy(() => scalar(term.compute(lossInputs(term, teacher, teacher, images, labels))));
      assert.ok(Math.abs(value) < 1e-5, `${name} = ${value}`);
      term.dispose();
    });
  }

  test('the plugin registers vid, emkd and dist with their formula and source in the docs', () => {
    const names: Record<string, string> = Object.fromEntries(LOSS_COMPONENTS.map((c) => [c.name, c.docs ?? '']));
    assert.match(names['vid']!, /Ahn.*CVPR 2019/);
    assert.match(names['emkd']!, /Qin.*Medical Imaging 40\(12\)/s);
    assert.match(names['dist']!, /Huang.*NeurIPS 2022/);
    for (const n of ['vid', 'emkd', 'dist']) assert.match(names[n]!, /\*\*Formula\.\*\*/);
  });
});

describe('their statistics on hand-built tensors', () => {
  test('Pearson correlation: 1 for an affine copy, −1 for a negated one, 0 for a constant, and weights drop entries', () => {
    const a = tf.tensor2d([[1, 2, 3, 4]]);
    assert.ok(Math.abs(scalar(weightedPearson(a, tf.add(tf.mul(a, 3), 7), 1)) - 1) < 1e-6);
    assert.ok(Math.abs(scalar(weightedPearson(a, tf.neg(a), 1)) + 1) < 1e-6);
    assert.equal(scalar(weightedPearson(a, tf.fill([1, 4], 2), 1)), 0);
    // The last entry breaks the linear relation; with weight 0 it no longer counts.
    const b = tf.tensor2d([[2, 4, 6, 0]]);
    assert.ok(scalar(weightedPearson(a, b, 1)) < 0.5);
    assert.ok(Math.abs(scalar(weightedPearson(a, b, 1, tf.tensor2d([[1, 1, 1, 0]]))) - 1) < 1e-6);
  });

  test('DIST ignores a per-pixel shift of the logits and is scaled by τ²', () => {
    const zs = randomTensor([1, 4, 4, 3], 5) as tf.Tensor4D;
    const zt = randomTensor([1, 4, 4, 3], 6) as tf.Tensor4D;
    const base = scalar(distLoss(zs, zt, DIST));
    assert.ok(base > 0);
    assert.ok(Math.abs(scalar(distLoss(tf.add(zs, randomTensor([1, 4, 4, 1], 7)) as tf.Tensor4D, zt, DIST)) - base) < 1e-5);
    assert.ok(scalar(distLoss(zs, zs, DIST)) < 1e-6);
    const hot = scalar(distLoss(tf.mul(zs, 2) as tf.Tensor4D, tf.mul(zt, 2) as tf.Tensor4D, { ...DIST, temperature: 2 }));
    assert.ok(Math.abs(hot - 4 * base) < 1e-4, `${hot} vs 4 × ${base}`);
  });

  test('DIST with two classes leaves out the degenerate inter-class term, so tied student logits get a bounded gradient', () => {
    const zt = randomTensor([1, 4, 4, 2], 21) as tf.Tensor4D;
    const zs = randomTensor([1, 4, 4, 2], 22) as tf.Tensor4D;
    const intraOnly = scalar(distLoss(zs, zt, { ...DIST, beta: 0 }));
    assert.ok(Math.abs(scalar(distLoss(zs, zt, DIST)) - intraOnly) < 1e-7, 'with K = 2, β has no effect');
    // A fresh student: its two logits nearly tie at every pixel (differences ~0.1, some far smaller). The two-class
    // Pearson per pixel is singular at a tie; without it the gradient is intra's alone and stays moderate.
    const base = randomTensor([1, 4, 4, 1], 23);
    const spread = Array.from(tf.mul(randomTensor([1, 4, 4, 1], 24), 0.1).dataSync());
    spread[0] = 1e-7;
    const fresh = tf.concat([base, tf.add(base, tf.tensor4d(spread, [1, 4, 4, 1]))], 3) as tf.Tensor4D;
    const grad = (beta: number) => tf.grad((z: tf.Tensor) => distLoss(z as tf.Tensor4D, zt, { ...DIST, beta }))(fresh);
    const largest = scalar(tf.max(tf.abs(grad(1))) as tf.Scalar);
    assert.ok(Number.isFinite(largest) && largest < 10, `largest gradient ${largest}`);
    assert.deepEqual(Array.from(grad(1).dataSync()), Array.from(grad(0).dataSync()));
    const perPixel = tf.grad((z: tf.Tensor) => tf.sum(weightedPearson(tf.softmax(tf.reshape(z, [-1, 2])), tf.softmax(tf.reshape(zt, [-1, 2])), 1)) as tf.Scalar)(fresh);
    assert.ok(scalar(tf.max(tf.abs(perPixel)) as tf.Scalar) > 100 * largest, 'the left-out per-pixel relation is the singular one');
  });

  test('DIST with a region of interest counts only its pixels', () => {
    const zs = randomTensor([1, 4, 4, 3], 8) as tf.Tensor4D;
    const zt = randomTensor([1, 4, 4, 3], 9) as tf.Tensor4D;
    const roi = tf.tensor3d(Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 0)), [1, 4, 4]);
    const inside = scalar(distLoss(zs, zt, DIST, roi));
    const top = (z: tf.Tensor4D) => tf.slice(z, [0, 0, 0, 0], [1, 2, 4, 3]) as tf.Tensor4D;
    assert.ok(Math.abs(inside - scalar(distLoss(top(zs), top(zt), DIST))) < 1e-5);
  });

  test('VID: the negative log-likelihood is ½(d²/σ² + log σ²) and smallest at σ² = d²', () => {
    const t = tf.fill([1, 1, 1, 1], 3) as tf.Tensor4D;
    const mean = tf.fill([1, 1, 1, 1], 1) as tf.Tensor4D;
    const nll = (v: number) => scalar(vidNegativeLogLikelihood(mean, tf.tensor1d([v]), t));
    assert.ok(Math.abs(nll(2) - 0.5 * (4 / 2 + Math.log(2))) < 1e-6);
    assert.ok(nll(4) < nll(3) && nll(4) < nll(5));
  });

  test('EMKD: importance maps ignore the channel count and a global scale; region contrast is a cosine of prototypes', () => {
    const f = randomTensor([1, 4, 4, 2], 10) as tf.Tensor4D;
    assert.ok(scalar(importanceMapDistillation(f, tf.mul(tf.concat([f, f], 3), 5) as tf.Tensor4D)) < 1e-8);
    // Two regions whose mean features are [1,0] and [1,1]: cosine 1/√2.
    const feature = tf.tensor4d([1, 0, 1, 0, 1, 1, 1, 1], [1, 2, 2, 2]);
    const regions = tf.tensor4d([1, 0, 1, 0, 0, 1, 0, 1], [1, 2, 2, 2]);
    assert.ok(Math.abs(scalar(regionContrast(feature, regions)) - Math.SQRT1_2) < 1e-5);
  });

  test('gradients are the derivatives of the values (central differences)', () => {
    const zt = randomTensor([1, 4, 4, 3], 12) as tf.Tensor4D;
    const roi = tf.tensor3d(Array.from({ length: 16 }, (_, i) => (i % 3 === 0 ? 0 : 1)), [1, 4, 4]);
    checkGradient((z) => distLoss(z as tf.Tensor4D, zt, DIST, roi), randomTensor([1, 4, 4, 3], 13), 'dist');
    const t = randomTensor([1, 4, 4, 6], 14) as tf.Tensor4D;
    checkGradient((s) => importanceMapDistillation(s as tf.Tensor4D, t), randomTensor([1, 4, 4, 3], 15), 'emkd importance maps');
    const regions = tf.softmax(randomTensor([1, 4, 4, 3], 16)) as tf.Tensor4D;
    checkGradient((s) => tf.sum(regionContrast(s as tf.Tensor4D, regions)) as tf.Scalar, randomTensor([1, 4, 4, 5], 17), 'emkd region contrast');
    const mean = randomTensor([1, 4, 4, 6], 18) as tf.Tensor4D;
    checkGradient((v) => vidNegativeLogLikelihood(mean, tf.add(tf.softplus(v), 1e-5) as tf.Tensor1D, t), randomTensor([6], 19), 'vid variance');
  });
});
