import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@graphflow/core';
import { AdversarialLoss, adversarialComponent, type AdversarialOptions } from '../src/adversarial/adversarial-loss';
import { TinyNet, discBatch, useCpu } from './helpers/tiny-net';

before(useCpu);

const base: AdversarialOptions = { objective: 'hinge', gradientPenalty: 10, withImage: true, widths: [4, 8], spectralNorm: true, updateRatio: 1 };
const student = new TinyNet(1, 2, [4, 4, 4], 5, 'adv/student');

/** Teacher-like "real" maps follow the labels; student-like "fake" maps are uniform. */
function maps(labels: tf.Tensor3D): { real: tf.Tensor4D; fake: tf.Tensor4D } {
  return tf.tidy(() => ({
    real: tf.softmax(tf.mul(tf.oneHot(labels, 2).toFloat(), 4), -1) as tf.Tensor4D,
    fake: tf.fill([labels.shape[0], labels.shape[1], labels.shape[2], 2], 0.5) as tf.Tensor4D,
  }));
}

function bound(options: AdversarialOptions): AdversarialLoss {
  const term = new AdversarialLoss(options, new Rng(3));
  term.bind({ student, inputSize: [16, 16], numClasses: 2, channels: 1 });
  return term;
}

describe('loss/adversarial', () => {
  for (const objective of ['hinge', 'wgan-gp'] as const) {
    test(`${objective}: training the discriminator separates real from fake and the losses have the right sign`, () => {
      const term = bound({ ...base, objective, spectralNorm: objective === 'hinge' });
      const { images, labels } = discBatch(2, 16, 1);
      const { real, fake } = maps(labels);
      const vars = term.adversary!.trainableVariables();
      assert.equal(vars.length, 6);
      const optimizer = tf.train.adam(0.01);
      const losses: number[] = [];
      let settled = 0;
      for (let step = 0; step < 15; step++) {
        const { value, grads } = tf.variableGrads(() => term.adversary!.loss({ images, studentProbs: fake, teacherProbs: real }), vars);
        for (const g of Object.values(grads)) assert.ok(Array.from(g.dataSync()).every(Number.isFinite));
        losses.push(value.dataSync()[0]!);
        optimizer.applyGradients(grads as unknown as Record<string, tf.Variable>);
        tf.dispose([value, grads]);
        // From step 1 on, Adam's slots exist: the count must not move any more.
        if (step === 1) settled = tf.memory().numTensors;
      }
      if (objective === 'hinge') assert.ok(losses[0]! >= 0 && losses.every((l) => l >= 0), 'hinge loss is non-negative');
      assert.ok(losses.at(-1)! < losses[0]!, `discriminator loss did not fall: ${losses[0]} → ${losses.at(-1)}`);
      // D now scores teacher maps higher, so the generator loss (−mean D) is lower for real maps than for the student's.
      const scores = (probs: tf.Tensor4D) =>
        tf.tidy(() => term.compute({ images, student: { logits: tf.log(probs) as tf.Tensor4D, taps: {} }, labeled: false, step: 0 }).dataSync()[0]!);
      assert.ok(scores(fake) > scores(real), `generator loss on fake ${scores(fake)} should exceed that on real ${scores(real)}`);
      assert.equal(tf.memory().numTensors, settled, 'tensors leak across discriminator steps');
      optimizer.dispose();
      term.dispose();
    });
  }

  test('hinge + spectral norm with the stage\'s default discriminator optimizer (Adam 2e-3, β1 0.5) learns a toy case', () => {
    // Two distributions of probability maps a discriminator can tell apart: confident teacher-like maps vs softer,
    // noisier student-like maps of the same layouts, as a distilled student's are early in training.
    const term = bound({ ...base, withImage: false, widths: [16, 32, 64] });
    const vars = term.adversary!.trainableVariables();
    // At the old default lr 1e-4 the same run stays at 1.97 after 25 updates.
    const optimizer = tf.train.adam(2e-3, 0.5, 0.999);
    const noise = new Rng(9);
    const losses: number[] = [];
    const accuracy: number[] = [];
    for (let step = 0; step < 25; step++) {
      const { images, labels } = discBatch(2, 16, 100 + step);
      const real = tf.tidy(() => tf.softmax(tf.mul(tf.oneHot(labels, 2).toFloat(), 4), -1) as tf.Tensor4D);
      const fake = tf.tidy(() => {
        const jitter = tf.tensor4d(Float32Array.from({ length: 2 * 16 * 16 * 2 }, () => noise.normal(0, 0.5)), [2, 16, 16, 2]);
        return tf.softmax(tf.add(tf.oneHot(labels, 2).toFloat(), jitter), -1) as tf.Tensor4D;
      });
      const { value, grads } = tf.variableGrads(() => term.adversary!.loss({ images, studentProbs: fake, teacherProbs: real }), vars);
      losses.push(value.dataSync()[0]!);
      optimizer.applyGradients(grads as unknown as Record<string, tf.Variable>);
      const [scores] = term.adversary.takeScores();
      const teacherRight = Array.from(scores!.teacher).filter((v) => v > 0).length / scores!.teacher.length;
      const studentRight = Array.from(scores!.student).filter((v) => v < 0).length / scores!.student.length;
      accuracy.push((teacherRight + studentRight) / 2);
      tf.dispose([value, grads, images, labels, real, fake]);
    }
    const tail = (v: number[]) => v.slice(-5).reduce((a, b) => a + b, 0) / 5;
    assert.ok(losses[0]! > 1.9, `an untrained discriminator sits at the hinge's 2: ${losses[0]}`);
    assert.ok(tail(losses) < 1, `hinge loss should fall well below 2: last five ${losses.slice(-5).map((l) => l.toFixed(3))}`);
    assert.ok(tail(accuracy) > 0.8, `accuracy should beat chance clearly: last five ${accuracy.slice(-5)}`);
    optimizer.dispose();
    term.dispose();
  });

  test('the generator gradient reaches the student and is finite', () => {
    const term = bound(base);
    const { images } = discBatch(1, 16, 2);
    const { value, grads } = tf.variableGrads(() => term.compute({ images, student: student.forward(images, { training: true }), labeled: false, step: 0 }), student.trainableVariables());
    assert.ok(Number.isFinite(value.dataSync()[0]!));
    const kernels = student.trainableVariables().filter((v) => v.name.includes('kernel'));
    for (const v of kernels) assert.ok(tf.sum(tf.abs(grads[v.name]!)).dataSync()[0]! > 0, v.name);
    term.dispose();
  });

  test('WGAN-GP penalty is a non-negative addition to the critic loss', () => {
    const { images, labels } = discBatch(2, 16, 4);
    const { real, fake } = maps(labels);
    const withGp = bound({ ...base, objective: 'wgan-gp', spectralNorm: false, gradientPenalty: 10 });
    const noGp = bound({ ...base, objective: 'wgan-gp', spectralNorm: false, gradientPenalty: 0 });
    const a = withGp.adversary!.loss({ images, studentProbs: fake, teacherProbs: real }).dataSync()[0]!;
    const b = noGp.adversary!.loss({ images, studentProbs: fake, teacherProbs: real }).dataSync()[0]!;
    assert.ok(a > b, `penalty ${a - b} should be > 0 for a random critic`);
    withGp.dispose();
    noGp.dispose();
  });

  test('rules reject unusable update ratios and a zero penalty', () => {
    const rules = adversarialComponent.rules!;
    assert.deepEqual(rules({ ...base, updateRatio: 1.5 }).map((p) => p.pointer), ['/updateRatio']);
    assert.deepEqual(rules({ ...base, updateRatio: 0.3 }).map((p) => p.pointer), ['/updateRatio']);
    assert.deepEqual(rules({ ...base, updateRatio: 0.25 }), []);
    assert.deepEqual(rules({ ...base, objective: 'wgan-gp', gradientPenalty: 0 }).map((p) => p.pointer), ['/gradientPenalty']);
  });
});

