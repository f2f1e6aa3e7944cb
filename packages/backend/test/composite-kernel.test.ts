import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../src/select-backend';
import { defineCompositeKernel } from '../src/kernels/composite-kernel';

/**
 * The reference-count pitfall of composing kernels from tf ops: wrapping a kernel's input with
 * makeTensorFromTensorInfo does not raise its count, so disposing the wrapper would free the CALLER's
 * tensor. defineCompositeKernel must leave inputs alive, return a live output, and leak nothing.
 */
describe('composite kernels', () => {
  it('keep the caller\'s inputs alive, return a live output and leave no tensors or buffers behind', async () => {
    await activateBackend('wasm', { threads: 2 });
    tf.registerKernel(defineCompositeKernel('GraphFlowTestScaleAdd', 'wasm', ['a', 'b'], ([a, b]) => tf.add(tf.mul(a!, 3), b!)));
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.tensor1d([10, 20, 30]);
    const before = tf.memory();
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const dataIdsBefore = backend.numDataIds();
    const out = tf.engine().runKernel('GraphFlowTestScaleAdd', { a, b }, {}) as tf.Tensor;
    assert.deepEqual(Array.from(await out.data()), [13, 26, 39]);
    assert.deepEqual(Array.from(await a.data()), [1, 2, 3], 'input a must survive the kernel');
    assert.deepEqual(Array.from(await b.data()), [10, 20, 30], 'input b must survive the kernel');
    assert.equal(tf.memory().numTensors, before.numTensors + 1);
    assert.equal(backend.numDataIds(), dataIdsBefore + 1);
    out.dispose();
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(backend.numDataIds(), dataIdsBefore);
    tf.dispose([a, b]);
    tf.unregisterKernel('GraphFlowTestScaleAdd', 'wasm');
  });
});
