import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../src/select-backend';

/**
 * A few Adam steps of a small conv net touching every new wasm kernel path (conv filter gradient, 2×2
 * stride-2 transposed conv, depthwise gradients, dilated conv gradient, gather gradient) must not leak:
 * tf.memory().numTensors is the same after every step once the optimizer's slots exist.
 */
function buildNet() {
  const v = (shape: number[], seed: number) => tf.variable(tf.randomNormal(shape, 0, 0.2, 'float32', seed)) as tf.Variable as tf.Tensor4D;
  const params = {
    c1: v([3, 3, 1, 4], 1), dw: v([3, 3, 4, 1], 2), dil: v([3, 3, 4, 4], 3), up: v([2, 2, 4, 4], 4), head: v([1, 1, 4, 2], 5), emb: v([3, 4], 6) as tf.Tensor,
  };
  const forward = (x: tf.Tensor4D): tf.Tensor4D => {
    let h = tf.relu(tf.conv2d(x, params.c1, 1, 'same'));
    h = tf.relu6(tf.depthwiseConv2d(h, params.dw, 2, 'same'));
    h = tf.add(h, tf.conv2d(h, params.dil, 1, 'same', 'NHWC', 2));
    h = tf.add(h, tf.gather(params.emb, tf.tensor1d([1], 'int32')).reshape([1, 1, 1, 4]));
    h = tf.conv2dTranspose(h, params.up, [x.shape[0], x.shape[1], x.shape[2], 4], 2, 'same');
    return tf.conv2d(h, params.head, 1, 'valid');
  };
  return { params, forward };
}

describe('training memory on wasm', () => {
  it('numTensors stays flat across Adam steps', async () => {
    await activateBackend('wasm', { threads: 2 });
    const { forward } = buildNet();
    const optimizer = tf.train.adam(1e-2);
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const labels = tf.oneHot(tf.randomUniform([2, 16, 16], 0, 2, 'int32', 8), 2);
    const step = (): number => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, forward(x)), true);
      const value = loss!.dataSync()[0]!;
      loss!.dispose();
      return value;
    };
    const first = step(); // creates Adam's moment slots
    const counts: number[] = [];
    const losses: number[] = [first];
    for (let i = 0; i < 4; i++) {
      losses.push(step());
      counts.push(tf.memory().numTensors);
    }
    assert.ok(losses.every(Number.isFinite), `losses must be finite: ${losses}`);
    assert.ok(losses[losses.length - 1]! < losses[0]!, `loss should fall over steps: ${losses.map((l) => l.toFixed(4))}`);
    assert.deepEqual(counts, counts.map(() => counts[0]), `numTensors per step: ${counts}`);
    tf.dispose([x, labels]);
    optimizer.dispose();
  });
});
