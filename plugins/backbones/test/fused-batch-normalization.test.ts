/**
 * FusedBatchNormalization is tfjs-layers' BatchNormalization with the training pass through batchNormTraining: same
 * outputs, gradients, running statistics and saved form — on cpu (the op chain) and, where it loads, native (fused).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { FusedBatchNormalization } from '../src/layers/fused-batch-normalization';
import { PORTABLE_CLASS_NAMES } from '../src/layers/portable-class-names';

const NATIVE = (() => {
  try {
    const native = require('@graphflow/backend-native') as { loadNativeAddon: () => { addon?: unknown } };
    return native.loadNativeAddon().addon !== undefined;
  } catch {
    return false;
  }
})();

after(async () => {
  await tf.setBackend('cpu');
});

const options = { axis: -1, momentum: 0.9, epsilon: 1e-5 };

/** A built-in and a fused layer with the same (non-trivial) weights, built for [.., 5] inputs. */
function pair(): [tf.layers.Layer, tf.layers.Layer] {
  const builtin = tf.layers.batchNormalization({ ...options, name: 'bn_builtin' });
  const fused = new FusedBatchNormalization({ ...options, name: 'bn_fused' });
  for (const l of [builtin, fused]) l.build([null, 4, 3, 5]);
  const weights = [tf.linspace(0.5, 1.5, 5), tf.linspace(-1, 1, 5), tf.linspace(0, 0.4, 5), tf.linspace(1, 2, 5)];
  builtin.setWeights(weights);
  fused.setWeights(weights);
  tf.dispose(weights);
  return [builtin, fused];
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

for (const backend of ['cpu', ...(NATIVE ? ['native'] : [])]) {
  test(`on ${backend}: training and inference outputs, input gradient and running statistics equal the built-in layer's`, async () => {
    if (backend === 'native') {
      const b = require('@graphflow/backend') as { activateBackend: (name: string, o: object) => Promise<unknown> };
      await b.activateBackend('native', { threads: 2 });
    } else {
      await tf.setBackend('cpu');
    }
    const tol = backend === 'cpu' ? 0 : 2e-5;
    const [builtin, fused] = pair();
    const x = tf.randomNormal([2, 4, 3, 5], 3, 2, 'float32', 8);
    const w = tf.randomNormal([2, 4, 3, 5], 0, 1, 'float32', 9);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      const run = (l: tf.layers.Layer) => tf.tidy(() => {
        const y = l.apply(x, { training: true }) as tf.Tensor;
        const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(l.apply(a, { training: true }) as tf.Tensor, w)))([x]);
        return [y, dx!];
      });
      const [yb, gb] = run(builtin);
      const [yf, gf] = run(fused);
      assert.deepEqual(yf!.shape, [2, 4, 3, 5]);
      assert.ok(maxDiff(yf!, yb!) <= tol, `training output differs by ${maxDiff(yf!, yb!)}`);
      assert.ok(maxDiff(gf!, gb!) <= tol, `input gradient differs by ${maxDiff(gf!, gb!)}`);
      tf.dispose([yb!, gb!, yf!, gf!]);
    }
    // Each apply updated the running statistics (twice per step); they must have moved identically.
    const [, , meanB, varB] = builtin.getWeights();
    const [, , meanF, varF] = fused.getWeights();
    assert.ok(maxDiff(meanF!, meanB!) <= tol && maxDiff(varF!, varB!) <= tol, 'running statistics differ');
    const initialMean = tf.linspace(0, 0.4, 5);
    assert.ok(maxDiff(meanF!, initialMean) > 0.5, 'running mean did not move towards the batch mean of ≈3');
    initialMean.dispose();
    const inferB = builtin.apply(x, { training: false }) as tf.Tensor;
    const inferF = fused.apply(x, { training: false }) as tf.Tensor;
    assert.ok(maxDiff(inferF, inferB) <= tol, 'inference output differs');
    tf.dispose([inferB, inferF]);
    assert.equal(tf.memory().numTensors, before, 'training steps left tensors behind');
    tf.dispose([x, w]);
    // Layers used only eagerly cannot be disposed as layers; their variables can.
    for (const v of [...builtin.weights, ...fused.weights]) v.dispose();
  });
}

test('weights keep the built-in names and the saved class is the built-in BatchNormalization', async () => {
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [4, 4, 3] });
  const model = tf.model({ inputs: input, outputs: new FusedBatchNormalization({ ...options, name: 'enc_bn' }).apply(input) as tf.SymbolicTensor });
  assert.deepEqual(model.weights.map((w) => w.name), ['enc_bn/gamma', 'enc_bn/beta', 'enc_bn/moving_mean', 'enc_bn/moving_variance']);
  assert.equal(model.layers[1]!.getClassName(), 'GraphFlowBatchNormalization');
  assert.equal(PORTABLE_CLASS_NAMES['GraphFlowBatchNormalization'], 'BatchNormalization');
  model.dispose();
});
