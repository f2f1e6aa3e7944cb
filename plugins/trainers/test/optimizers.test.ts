import type { Param } from '@graphflow/core';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { AdamOptimizer } from '../src/optim/adam';
import { SgdOptimizer } from '../src/optim/sgd';
import { clipGradients } from '../src/optim/gradient-clipping';
import { constantSchedule, cosineSchedule, polySchedule, stepSchedule } from '../src/schedules/schedule';

tf.setBackend('cpu');
const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `${a} != ${b}`);
const noWarmup = { warmupSteps: 0, warmupStartFactor: 0 };

function param(values: number[]): Param {
  return { key: 'w', variable: tf.variable(tf.tensor1d(values)) };
}

test('adam matches the closed-form first steps and tf.train.adam', () => {
  const p = param([1, -2]);
  const opt = new AdamOptimizer({ lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 }, false);
  const g = tf.tensor1d([0.5, -0.25]);
  opt.apply([p], [g], 0.1);
  // Step 1: m̂ = g, v̂ = g², so the update is lr·sign(g) (up to ε).
  const w1 = p.variable.dataSync();
  close(w1[0]!, 0.9, 1e-5);
  close(w1[1]!, -1.9, 1e-5);

  const ref = tf.variable(tf.tensor1d([1, -2]));
  const tfAdam = tf.train.adam(0.1, 0.9, 0.999, 1e-7);
  const mine = param([1, -2]);
  const opt2 = new AdamOptimizer({ lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 }, false);
  for (let i = 0; i < 5; i++) {
    const grad = tf.tensor1d([Math.sin(i + 1), Math.cos(i + 1)]);
    tfAdam.applyGradients([{ name: ref.name, tensor: grad }]);
    opt2.apply([mine], [grad], 0.1);
    grad.dispose();
  }
  const a = mine.variable.dataSync();
  const b = ref.dataSync();
  close(a[0]!, b[0]!, 1e-5);
  close(a[1]!, b[1]!, 1e-5);
  assert.equal(opt2.state().iterations, 5);
  assert.deepEqual(opt2.state().slots.map((s) => s.name), ['m/w', 'v/w']);
});

test('adamw decays weights decoupled from the gradient; adam couples it', () => {
  const zeroGrad = tf.tensor1d([0, 0]);
  const pw = param([1, 2]);
  new AdamOptimizer({ lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.5 }, true).apply([pw], [zeroGrad], 0.1);
  // Zero gradient → zero Adam step; only w ← w − lr·wd·w = 0.95·w.
  const w = pw.variable.dataSync();
  close(w[0]!, 0.95);
  close(w[1]!, 1.9);
  const pa = param([1, 2]);
  new AdamOptimizer({ lr: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.5 }, false).apply([pa], [zeroGrad], 0.1);
  // Coupled: the decay becomes the gradient and Adam normalizes it to a step of lr per element.
  const a = pa.variable.dataSync();
  close(a[0]!, 0.9, 1e-5);
  close(a[1]!, 1.9, 1e-5);
});

test('sgd with momentum and weight decay follows the PyTorch recurrence', () => {
  const p = param([1]);
  const opt = new SgdOptimizer({ lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0.01 });
  let w = 1;
  let buf = 0;
  for (let i = 0; i < 3; i++) {
    const g = 0.5 * (i + 1);
    opt.apply([p], [tf.tensor1d([g])], 0.1);
    const d = g + 0.01 * w;
    buf = 0.9 * buf + d;
    w -= 0.1 * buf;
  }
  close(p.variable.dataSync()[0]!, w);
  const pn = param([1]);
  new SgdOptimizer({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0 }).apply([pn], [tf.tensor1d([1])], 0.1);
  close(pn.variable.dataSync()[0]!, 1 - 0.1 * (1 + 0.9 * 1));
});

test('gradient clipping by global norm and by value', () => {
  const grads = [tf.tensor1d([3, 0]), tf.tensor1d([0, 4])];
  const { grads: byNorm, norm } = clipGradients(grads, { mode: 'norm', max: 1 });
  close(norm, 5);
  assert.deepEqual(Array.from(byNorm[0]!.dataSync()).map((v) => Math.round(v * 1e6) / 1e6), [0.6, 0]);
  assert.deepEqual(Array.from(byNorm[1]!.dataSync()).map((v) => Math.round(v * 1e6) / 1e6), [0, 0.8]);
  const { grads: byValue } = clipGradients(grads, { mode: 'value', max: 2 });
  assert.deepEqual(Array.from(byValue[1]!.dataSync()), [0, 2]);
  const before = tf.memory().numTensors;
  tf.dispose(clipGradients(grads, { mode: 'norm', max: 10 }).grads);
  assert.equal(tf.memory().numTensors, before);
});

test('schedules: poly (power 0.9), cosine, step, warm-up', () => {
  const poly = polySchedule(0.9, 0, noWarmup);
  close(poly.multiplier(0, 100), 1);
  close(poly.multiplier(50, 100), Math.pow(0.5, 0.9));
  close(poly.multiplier(100, 100), 0);
  const cos = cosineSchedule(0.1, noWarmup);
  close(cos.multiplier(50, 100), 0.1 + 0.9 * 0.5);
  close(cos.multiplier(100, 100), 0.1);
  const step = stepSchedule(0.5, 10, [], noWarmup);
  assert.deepEqual([0, 9, 10, 25].map((s) => step.multiplier(s, 100)), [1, 1, 0.5, 0.25]);
  const milestones = stepSchedule(0.1, 1, [3, 5], noWarmup);
  assert.deepEqual([2, 3, 5].map((s) => Number(milestones.multiplier(s, 100).toPrecision(6))), [1, 0.1, 0.01]);
  const warm = polySchedule(0.9, 0, { warmupSteps: 10, warmupStartFactor: 0.1 });
  close(warm.multiplier(0, 110), 0.1);
  close(warm.multiplier(5, 110), 0.55);
  close(warm.multiplier(10, 110), 1);
  close(warm.multiplier(60, 110), Math.pow(0.5, 0.9));
  assert.equal(constantSchedule().multiplier(7, 10), 1);
});
