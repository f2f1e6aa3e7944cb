import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { batchNormTraining, batchNormTrainingGrad } from '../src';

before(async () => {
  await tf.setBackend('cpu');
});

const bits = (t: tf.Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));
const maxDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

test('without the fused kernel it is tf.moments + tf.batchNorm, bit for bit, statistics included', () => {
  tf.tidy(() => {
    const x = tf.randomNormal([3, 4, 5, 6], 2, 3, 'float32', 1);
    const gamma = tf.randomNormal([6], 1, 0.2, 'float32', 2) as tf.Tensor1D;
    const beta = tf.randomNormal([6], 0, 1, 'float32', 3) as tf.Tensor1D;
    const r = batchNormTraining(x, gamma, beta, 1e-5);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    assert.deepEqual(r.y.shape, [3, 4, 5, 6]);
    assert.deepEqual(r.mean.shape, [6]);
    assert.deepEqual(bits(r.y), bits(tf.batchNorm(x, mean, variance, beta, gamma, 1e-5)));
    assert.deepEqual(bits(r.mean), bits(mean));
    assert.deepEqual(bits(r.variance), bits(variance));
  });
});

test('the composite gradient equals autodiff of the op chain', () => {
  tf.tidy(() => {
    for (const shape of [[2, 3, 4, 5], [7, 3]]) {
      const C = shape[shape.length - 1]!;
      const x = tf.randomNormal(shape, 1, 2, 'float32', 4);
      const gamma = tf.randomNormal([C], 1, 0.3, 'float32', 5) as tf.Tensor1D;
      const beta = tf.randomNormal([C], 0, 1, 'float32', 6) as tf.Tensor1D;
      const dy = tf.randomNormal(shape, 0, 1, 'float32', 7);
      const [gx, gg, gb] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3).y, dy)))([x, gamma, beta]);
      const { mean, variance } = tf.moments(x, shape.slice(0, -1).map((_, i) => i));
      const [dx, dgamma, dbeta] = batchNormTrainingGrad(dy, x, gamma, mean, variance, 1e-3);
      assert.deepEqual(dx!.shape, shape);
      assert.deepEqual(dgamma!.shape, [C]);
      assert.ok(maxDiff(dx!, gx!) < 1e-5, `dx differs by ${maxDiff(dx!, gx!)}`);
      assert.ok(maxDiff(dgamma!, gg!) < 1e-4, `dgamma differs by ${maxDiff(dgamma!, gg!)}`);
      assert.ok(maxDiff(dbeta!, gb!) < 1e-4, `dbeta differs by ${maxDiff(dbeta!, gb!)}`);
    }
  });
});

test('gamma or beta with the wrong number of channels is refused with the shapes', () => {
  tf.tidy(() => {
    const x = tf.zeros([2, 4, 4, 3]);
    assert.throws(() => batchNormTraining(x, tf.ones([4]) as tf.Tensor1D, tf.zeros([3]) as tf.Tensor1D, 1e-5), /x \[2, 4, 4, 3\].*gamma \[4\]/);
    assert.throws(() => batchNormTraining(tf.zeros([5]), tf.ones([5]) as tf.Tensor1D, tf.zeros([5]) as tf.Tensor1D, 1e-5), /x \[\.\.\., C\]/);
  });
});
