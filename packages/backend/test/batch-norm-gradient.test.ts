import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../src/select-backend';
import { registerGraphFlowGradients } from '../src/gradients/graphflow-gradients';
import { closeness, randomData, runOn } from './support/compare-backends';

/**
 * GraphFlow's batch-norm gradient must equal tfjs's original one: gradients of x, mean, variance, scale and
 * offset (including through tf.moments, as in training mode) computed before and after the override.
 * Tolerance: |new − tfjs| ≤ 1e-5 + 1e-5 · max|tfjs| (same math, factors pulled out of sums).
 */
interface Case { name: string; x: number[]; stat: number[]; withMoments: boolean }
const CASES: Case[] = [
  { name: 'NHWC, per-channel [C] statistics', x: [2, 5, 7, 3], stat: [3], withMoments: false },
  { name: 'training mode: statistics from tf.moments', x: [2, 4, 4, 3], stat: [3], withMoments: true },
  { name: '[N,C] features (batch norm 1-D), odd sizes', x: [7, 5], stat: [5], withMoments: false },
  // tfjs's own gradient only handles rank-1 statistics, so those are the cases that can be compared.
];

function grads(c: Case): tf.Tensor[] {
  const x = tf.tensor(randomData(c.x, 1), c.x);
  const mean = tf.tensor(randomData(c.stat, 2), c.stat);
  const variance = tf.tensor(randomData(c.stat, 3), c.stat).abs().add(0.5);
  const scale = tf.tensor(randomData(c.stat, 4), c.stat);
  const offset = tf.tensor(randomData(c.stat, 5), c.stat);
  const upstream = tf.tensor(randomData(c.x, 6), c.x);
  if (c.withMoments) {
    return tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
      const m = tf.moments(a, [0, 1, 2]);
      return tf.batchNorm(a, m.mean, m.variance, o, s, 1e-3).mul(upstream).sum();
    })([x, scale, offset]);
  }
  return tf.grads((a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
    tf.batchNorm(a, m, v, o, s, 1e-3).mul(upstream).sum())([x, mean, variance, scale, offset]);
}

describe('batch-norm gradient override', () => {
  it('equals tfjs\'s original gradient on cpu and wasm', async () => {
    const expected = await Promise.all(CASES.map((c) => runOn('cpu', () => grads(c))));
    registerGraphFlowGradients();
    await activateBackend('wasm', { threads: 2 });
    for (const backend of ['cpu', 'wasm']) {
      for (const [i, c] of CASES.entries()) {
        const actual = await runOn(backend, () => grads(c));
        actual.forEach((a, j) => {
          const r = closeness(a, expected[i]![j]!, 1e-5, 1e-5);
          assert.ok(r.ok, `${backend} ${c.name}, gradient ${j}: max diff ${r.maxDiff} > ${r.tol}`);
        });
      }
    }
  });
});
