import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../src/select-backend';
import { registerDilatedConvGradients } from '@graphflow/core';
import { closeness, randomData, runOn } from './support/compare-backends';

/**
 * Dilated-convolution gradients (absent from tfjs 4.22) against an independent reference: a dilation-d
 * convolution equals an undilated one with a zero-inserted filter, whose gradients tfjs computes natively;
 * dW is then that filter's gradient sampled every d taps. Checked on cpu and on wasm.
 * Tolerance: |got − ref| ≤ 1e-4 + 1e-4 · max|ref| (float32, different summation order).
 */
const ATOL = 1e-4;
const RTOL = 1e-4;

function zeroInserted(w: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  const [kh, kw, ci, co] = w.shape;
  const spread = tf.pad(w.reshape([kh, 1, kw, 1, ci, co]), [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
  return tf.slice(spread.reshape([kh * dh, kw * dw, ci, co]) as tf.Tensor4D, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, -1, -1]);
}

type Kind = 'conv2d' | 'depthwise';
interface Case { kind: Kind; x: number[]; w: number[]; d: [number, number]; pad: 'same' | 'valid' }

const CASES: Case[] = [
  { kind: 'conv2d', x: [1, 9, 9, 3], w: [3, 3, 3, 4], d: [2, 2], pad: 'same' },
  { kind: 'conv2d', x: [2, 11, 7, 2], w: [3, 3, 2, 3], d: [4, 4], pad: 'same' },
  { kind: 'conv2d', x: [1, 12, 10, 2], w: [3, 1, 2, 2], d: [3, 1], pad: 'same' }, // ERFNet 3×1 dilated
  { kind: 'conv2d', x: [1, 10, 12, 2], w: [1, 3, 2, 2], d: [1, 3], pad: 'same' }, // ERFNet 1×3 dilated
  { kind: 'conv2d', x: [1, 13, 11, 2], w: [3, 3, 2, 2], d: [2, 3], pad: 'valid' },
  { kind: 'depthwise', x: [1, 9, 8, 3], w: [3, 3, 3, 1], d: [2, 2], pad: 'same' },
  { kind: 'depthwise', x: [2, 10, 10, 2], w: [3, 3, 2, 2], d: [3, 3], pad: 'valid' },
];

function op(kind: Kind, x: tf.Tensor4D, w: tf.Tensor4D, pad: 'same' | 'valid', d: [number, number]): tf.Tensor4D {
  return kind === 'conv2d' ? tf.conv2d(x, w, 1, pad, 'NHWC', d) : tf.depthwiseConv2d(x, w, 1, pad, 'NHWC', d);
}

function gradsOf(c: Case, useReference: boolean): tf.Tensor[] {
  const x = tf.tensor4d(randomData(c.x, 3), c.x as [number, number, number, number]);
  const w = tf.tensor4d(randomData(c.w, 5), c.w as [number, number, number, number]);
  const run = (a: tf.Tensor, b: tf.Tensor) =>
    useReference ? op(c.kind, a as tf.Tensor4D, zeroInserted(b as tf.Tensor4D, c.d), c.pad, [1, 1]) : op(c.kind, a as tf.Tensor4D, b as tf.Tensor4D, c.pad, c.d);
  const y = run(x, w);
  const upstream = tf.tensor(randomData(y.shape, 11), y.shape);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => run(a, b).mul(upstream).sum())([x, w]);
  return [y, dx!, dw!];
}

describe('dilated convolution gradients', () => {
  for (const backend of ['cpu', 'wasm']) {
    for (const c of CASES) {
      it(`${backend}: ${c.kind} x${c.x.join('×')} w${c.w.join('×')} dilation ${c.d.join('×')} ${c.pad}`, async () => {
        if (backend === 'wasm') await activateBackend('wasm', { threads: 2 });
        registerDilatedConvGradients();
        const expected = await runOn(backend, () => gradsOf(c, true));
        const actual = await runOn(backend, () => gradsOf(c, false));
        ['value', 'dx', 'dW'].forEach((label, i) => {
          const r = closeness(actual[i]!, expected[i]!, ATOL, RTOL);
          assert.ok(r.ok, `${label}: max diff ${r.maxDiff} > ${r.tol}`);
        });
      });
    }
  }
  it('undilated convolutions keep tfjs\'s own gradient (same result as before the override)', async () => {
    const x = [1, 6, 6, 2];
    const w = [3, 3, 2, 2];
    const f = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').square().sum())([
      tf.tensor(randomData(x, 1), x), tf.tensor(randomData(w, 2), w),
    ]);
    const before = await runOn('cpu', f);
    registerDilatedConvGradients();
    const after = await runOn('cpu', f);
    assert.deepEqual(after, before);
  });
});

describe('tf.layers dilated convolutions train', () => {
  it('a tf.layers model with dilated conv2d and depthwise conv fits on wasm and its loss falls', async () => {
    await activateBackend('wasm', { threads: 2 });
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 2], filters: 3, kernelSize: 3, padding: 'same', dilationRate: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', dilationRate: 3, depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        tf.layers.conv2d({ filters: 2, kernelSize: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const x = tf.tensor4d(randomData([2, 12, 12, 2], 7), [2, 12, 12, 2]);
    const y = tf.tensor4d(randomData([2, 12, 12, 2], 8), [2, 12, 12, 2]);
    const history = await model.fit(x, y, { epochs: 5, batchSize: 2, verbose: 0, shuffle: false });
    const losses = history.history['loss'] as number[];
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses[4]! < losses[0]!, `loss should fall: ${losses}`);
    tf.dispose([x, y]);
    model.dispose();
  });
});
