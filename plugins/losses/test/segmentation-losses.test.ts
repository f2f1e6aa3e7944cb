import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '../src/segmentation/cross-entropy';
import { softDice } from '../src/segmentation/dice';
import { pixelKd } from '../src/distillation/kd';
import { useCpu } from './helpers/tiny-net';

const close = (actual: number, expected: number, tol = 1e-5) => assert.ok(Math.abs(actual - expected) < tol, `${actual} ≠ ${expected}`);

before(useCpu);

describe('cross-entropy', () => {
  // Two pixels, 2 classes. Pixel 0 logits (0,0) label 0 → −log ½; pixel 1 logits (0, ln 3) label 1 → −log ¾.
  const logits = () => tf.tensor4d([0, 0, 0, Math.log(3)], [1, 1, 2, 2]);
  const labels = () => tf.tensor3d([0, 1], [1, 1, 2], 'int32');

  test('unweighted is the mean negative log-likelihood', () => {
    close(crossEntropy(logits(), labels(), null).dataSync()[0]!, (Math.log(2) + Math.log(4 / 3)) / 2);
  });

  test('class weights give the weighted mean', () => {
    const expected = (1 * Math.log(2) + 3 * Math.log(4 / 3)) / 4;
    close(crossEntropy(logits(), labels(), [1, 3]).dataSync()[0]!, expected);
  });
});

describe('soft dice', () => {
  test('a perfect confident prediction gives ~0 and the inverted one ~1', () => {
    const labels = tf.tensor3d([0, 1, 1, 0], [1, 2, 2], 'int32');
    const good = tf.mul(tf.oneHot(labels, 2).toFloat(), 50) as tf.Tensor4D;
    const bad = tf.mul(tf.oneHot(tf.sub(tf.scalar(1, 'int32'), labels) as tf.Tensor3D, 2).toFloat(), 50) as tf.Tensor4D;
    close(softDice(good, labels, { ignoreBackground: false, smooth: 1e-6 }).dataSync()[0]!, 0, 1e-4);
    close(softDice(bad, labels, { ignoreBackground: false, smooth: 1e-6 }).dataSync()[0]!, 1, 1e-4);
  });

  test('uniform probabilities give the hand-computed value; ignoreBackground drops class 0', () => {
    // 4 pixels, labels 0,1,1,1; p = ½ everywhere. D_0 = (2·0.5)/(2+1) = 1/3; D_1 = (2·1.5)/(2+3) = 0.6.
    const labels = tf.tensor3d([0, 1, 1, 1], [1, 2, 2], 'int32');
    const logits = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
    close(softDice(logits, labels, { ignoreBackground: false, smooth: 1e-9 }).dataSync()[0]!, 1 - (1 / 3 + 0.6) / 2);
    close(softDice(logits, labels, { ignoreBackground: true, smooth: 1e-9 }).dataSync()[0]!, 1 - 0.6);
  });
});

describe('kd', () => {
  test('identical logits give zero', () => {
    const z = tf.tensor4d([1, -2, 0.5, 3, 0, 0, -1, 1], [1, 2, 2, 2]);
    close(pixelKd(z, z, 4).dataSync()[0]!, 0);
  });

  test('matches KL(p_T‖p_S)·T² computed by hand', () => {
    // One pixel, 2 classes, T = 2: student logits (0,0) → (½,½); teacher (0, 2 ln 3) /2 → (¼, ¾).
    const s = tf.tensor4d([0, 0], [1, 1, 1, 2]);
    const t = tf.tensor4d([0, 2 * Math.log(3)], [1, 1, 1, 2]);
    const kl = 0.25 * Math.log(0.25 / 0.5) + 0.75 * Math.log(0.75 / 0.5);
    close(pixelKd(s, t, 2).dataSync()[0]!, 4 * kl);
  });

  test('gradient flows to the student only', () => {
    const t = tf.tensor4d([0, 2, 1, -1], [1, 1, 2, 2]);
    const [gs, gt] = tf.grads((s: tf.Tensor, tt: tf.Tensor) => pixelKd(s as tf.Tensor4D, tt as tf.Tensor4D, 3))([tf.zeros([1, 1, 2, 2]), t]);
    assert.ok(gs!.abs().sum().dataSync()[0]! > 0);
    assert.equal(gt!.abs().sum().dataSync()[0], 0);
    assert.ok(Array.from(gs!.dataSync()).every(Number.isFinite));
  });
});
