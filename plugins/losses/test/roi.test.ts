import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng, type LossInputs, type LossTerm } from '@graphflow/core';
import { CrossEntropyLoss } from '../src/segmentation/cross-entropy';
import { DiceLoss } from '../src/segmentation/dice';
import { DiceCeLoss } from '../src/segmentation/dice-ce';
import { KdLoss } from '../src/distillation/kd';
import { AdversarialLoss } from '../src/adversarial/adversarial-loss';
import { roiMean } from '../src/util/roi';
import { TinyNet, useCpu } from './helpers/tiny-net';

before(useCpu);

const close = (actual: number, expected: number, tol = 1e-5) => assert.ok(Math.abs(actual - expected) < tol, `${actual} ≠ ${expected}`);

// A hand-made batch: 2 images of 3×4 pixels, 3 classes, and an ROI counting 13 of the 24 pixels. Outside the ROI the
// labels carry an "ignore" value (255) that a loss must never read as a class.
const N = 2;
const H = 3;
const W = 4;
const K = 3;
const rng = new Rng(11);
const studentLogits = Float32Array.from({ length: N * H * W * K }, () => rng.normal(0, 2));
const teacherLogits = Float32Array.from({ length: N * H * W * K }, () => rng.normal(0, 2));
const roiValues = Float32Array.from([1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, /* image 2 */ 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0]);
const labelValues = Int32Array.from(roiValues, (r, i) => (r ? (i * 7) % K : 255));
const counted = [...roiValues.keys()].filter((i) => roiValues[i] === 1);

/** The full batch with its ROI. */
function withRoi(): LossInputs {
  return {
    images: tf.zeros([N, H, W, 1]) as tf.Tensor4D,
    labels: tf.tensor3d(labelValues, [N, H, W], 'int32'),
    roi: tf.tensor3d(roiValues, [N, H, W]),
    student: { logits: tf.tensor4d(studentLogits, [N, H, W, K]), taps: {} },
    teacher: { logits: tf.tensor4d(teacherLogits, [N, H, W, K]), taps: {} },
    labeled: true,
    step: 0,
  };
}

/** Only the counted pixels, as one 1×P image, and no ROI. */
function countedOnly(): LossInputs {
  const pick = (values: Float32Array) => Float32Array.from(counted.flatMap((i) => Array.from(values.subarray(i * K, (i + 1) * K))));
  const p = counted.length;
  return {
    images: tf.zeros([1, 1, p, 1]) as tf.Tensor4D,
    labels: tf.tensor3d(Int32Array.from(counted.map((i) => labelValues[i]!)), [1, 1, p], 'int32'),
    student: { logits: tf.tensor4d(pick(studentLogits), [1, 1, p, K]), taps: {} },
    teacher: { logits: tf.tensor4d(pick(teacherLogits), [1, 1, p, K]), taps: {} },
    labeled: true,
    step: 0,
  };
}

const value = (term: LossTerm, inputs: LossInputs) => tf.tidy(() => term.compute(inputs).dataSync()[0]!);

describe('region of interest in per-pixel terms', () => {
  const terms: [string, LossTerm][] = [
    ['ce', new CrossEntropyLoss({ classWeights: null })],
    ['ce, class-weighted', new CrossEntropyLoss({ classWeights: [0.2, 1, 3] })],
    ['dice', new DiceLoss({ ignoreBackground: false, smooth: 1 })],
    ['dice, foreground only', new DiceLoss({ ignoreBackground: true, smooth: 1e-3 })],
    ['dice-ce', new DiceCeLoss({ ceWeight: 1, diceWeight: 0.5, classWeights: null, ignoreBackground: false, smooth: 1 })],
    ['kd (τ = 4)', new KdLoss({ temperature: 4 })],
    ['skd-pixel', new KdLoss({ temperature: 1 }, 'skd-pixel')],
  ];
  for (const [name, term] of terms) {
    test(`${name}: with an roi it equals the term on the counted pixels only`, () => {
      const full = value(term, withRoi());
      const only = value(term, countedOnly());
      close(full, only);
      // And it differs from ignoring the ROI (the test would be vacuous otherwise); ignore labels dropped for that.
      const { roi: _roi, ...noRoi } = withRoi();
      const labels = tf.tensor3d(Int32Array.from(labelValues, (l) => (l === 255 ? 0 : l)), [N, H, W], 'int32');
      assert.ok(Math.abs(value(term, { ...noRoi, labels }) - only) > 1e-4, `${name}: the ROI made no difference`);
    });
  }

  test('an roi with no counted pixel gives 0, not NaN, and a zero gradient', () => {
    const logits = tf.variable(tf.tensor4d(studentLogits, [N, H, W, K]));
    const inputs = { ...withRoi(), roi: tf.zeros([N, H, W]) as tf.Tensor3D };
    const { value: v, grads } = tf.variableGrads(() => new KdLoss({ temperature: 1 }).compute({ ...inputs, student: { logits: logits as unknown as tf.Tensor4D, taps: {} } }), [logits]);
    assert.equal(v.dataSync()[0], 0);
    assert.equal(tf.sum(tf.abs(Object.values(grads)[0]!)).dataSync()[0], 0);
    close(roiMean(tf.ones([1, 2, 2]) as tf.Tensor3D, tf.zeros([1, 2, 2]) as tf.Tensor3D).dataSync()[0]!, 0);
  });

  test('adversarial: the generator loss does not see logits outside the roi', () => {
    const student = new TinyNet(1, K, [4, 4, 4], 5, 'roi/student');
    const term = new AdversarialLoss({ objective: 'hinge', gradientPenalty: 10, withImage: false, widths: [4, 8], spectralNorm: true, updateRatio: 1 }, new Rng(3));
    term.bind({ student, inputSize: [H, W], numClasses: K, channels: 1 });
    const changed = Float32Array.from(studentLogits, (v, i) => (roiValues[Math.floor(i / K)] ? v : v + 5 * ((i % K) - 1)));
    const a = value(term, withRoi());
    const b = value(term, { ...withRoi(), student: { logits: tf.tensor4d(changed, [N, H, W, K]), taps: {} } });
    close(a, b);
    const { roi: _roi, ...noRoi } = withRoi();
    assert.ok(Math.abs(value(term, noRoi) - value(term, { ...noRoi, student: { logits: tf.tensor4d(changed, [N, H, W, K]), taps: {} } })) > 1e-6, 'without an roi the change is seen');
    term.dispose();
    student.dispose();
  });
});
