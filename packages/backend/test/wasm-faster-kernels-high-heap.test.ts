/**
 * The faster wasm kernels with tensors above the 2 GiB mark of the heap (it may grow to 4 GiB). Pointers there are
 * negative as int32, so any bitwise pointer arithmetic in JS breaks; found by a CI run whose recipes had grown the
 * heap past 2 GiB ("Start offset -2141927856 is outside the bounds of the buffer" in a leading-axes Sum).
 * Its own file: the heap never shrinks, so the 2 GiB stay reserved for the rest of the process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../src/select-backend';

const GiB = 2 ** 30;

test('Sum, Mean, Max over leading axes and a per-channel Mul give cpu\'s values with tensors above 2 GiB of heap', async () => {
  await activateBackend('wasm');
  const backend = tf.backend() as unknown as { wasm: { _malloc(n: number): number; _free(p: number): void } };
  // Reserve the low 2 GiB so that every later allocation lands above it.
  const filler = backend.wasm._malloc(2 * GiB + 64 * 2 ** 20) >>> 0;
  assert.ok(filler > 0, 'could not reserve 2 GiB of wasm heap');
  try {
    const values = Float32Array.from({ length: 2 * 5 * 3 * 7 }, (_, i) => Math.sin(i) * 10);
    const g = Float32Array.from({ length: 7 }, (_, i) => i - 3.5);
    const onWasm = tf.tidy(() => {
      const x = tf.tensor4d(values, [2, 5, 3, 7]);
      const offset = (tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } }).dataIdMap.get(x.dataId).memoryOffset >>> 0;
      assert.ok(offset >= 2 * GiB, `the test tensor is at ${offset}, not above 2 GiB`);
      return [tf.sum(x, [0, 1, 2]), tf.mean(x, [0, 1]), tf.max(x, [0, 1, 2]), tf.mul(x, tf.tensor1d(g))].map((t) => Array.from(t.dataSync()));
    });
    await tf.setBackend('cpu');
    const onCpu = tf.tidy(() => {
      const x = tf.tensor4d(values, [2, 5, 3, 7]);
      return [tf.sum(x, [0, 1, 2]), tf.mean(x, [0, 1]), tf.max(x, [0, 1, 2]), tf.mul(x, tf.tensor1d(g))].map((t) => Array.from(t.dataSync()));
    });
    onWasm.forEach((got, k) => got.forEach((v, i) => assert.ok(Math.abs(v - onCpu[k]![i]!) < 1e-4, `output ${k}[${i}]: ${v} vs ${onCpu[k]![i]}`)));
  } finally {
    await tf.setBackend('wasm');
    backend.wasm._free(filler);
  }
});
