import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiceMetric } from '../src/metrics/dice';
import { IouMetric } from '../src/metrics/iou';
import { AccuracyMetric } from '../src/metrics/accuracy';
import { Hd95Metric } from '../src/metrics/hd95';
import { euclideanDistanceTransform } from '../src/metrics/euclidean-distance-transform';
import { Rng } from '@graphflow/core';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

function grid(rows: string[]): Uint8Array {
  return Uint8Array.from(rows.join('').split('').map(Number));
}

test('dice, iou and accuracy on a hand-made 2×3 case', () => {
  const prediction = grid(['011', '010']);
  const target = grid(['010', '011']);
  const input = { prediction, target, shape: [2, 3], numClasses: 2 };
  const dice = new DiceMetric().compute(input);
  close(dice.perClass[1]!, 4 / 6);
  close(dice.perClass[0]!, 4 / 6);
  close(dice.mean, 4 / 6);
  const iou = new IouMetric().compute(input);
  close(iou.perClass[1]!, 2 / 4);
  close(iou.mean, 0.5);
  const acc = new AccuracyMetric().compute(input);
  close(acc.mean, 4 / 6);
  close(acc.perClass[1]!, 2 / 3);
});

test('dice: class absent from both is NaN and excluded from the mean; absent from one is 0', () => {
  const prediction = grid(['0011']);
  const target = grid(['0012']);
  const dice = new DiceMetric().compute({ prediction, target, shape: [1, 4], numClasses: 4 });
  close(dice.perClass[1]!, 2 / 3);
  assert.equal(dice.perClass[2], 0);
  assert.ok(Number.isNaN(dice.perClass[3]!));
  close(dice.mean, (2 / 3 + 0) / 2);
});

test('metrics reject mismatched sizes and out-of-range classes', () => {
  assert.throws(() => new DiceMetric().compute({ prediction: grid(['01']), target: grid(['011']), shape: [1, 3], numClasses: 2 }), RangeError);
  assert.throws(() => new IouMetric().compute({ prediction: grid(['02']), target: grid(['01']), shape: [1, 2], numClasses: 2 }), /class 2/);
});

test('euclidean distance transform matches brute force in 2-D and 3-D with anisotropic spacing', () => {
  const rng = new Rng(7);
  for (const [shape, spacing] of [
    [[9, 13], [1, 1]],
    [[7, 11], [2.5, 0.7]],
    [[4, 5, 6], [3, 1, 0.5]],
  ] as [number[], number[]][]) {
    const total = shape.reduce((a, b) => a * b, 1);
    const sites = Array.from({ length: total }, () => rng.next() < 0.08);
    sites[3] = true;
    const dt = euclideanDistanceTransform(sites, shape, spacing);
    const coords = (i: number) => {
      const c: number[] = [];
      for (let a = shape.length - 1; a >= 0; a--) {
        c.unshift(i % shape[a]!);
        i = Math.floor(i / shape[a]!);
      }
      return c;
    };
    for (let i = 0; i < total; i++) {
      let best = Infinity;
      const ci = coords(i);
      for (let j = 0; j < total; j++) {
        if (!sites[j]) continue;
        const cj = coords(j);
        let d = 0;
        for (let a = 0; a < shape.length; a++) d += ((ci[a]! - cj[a]!) * spacing[a]!) ** 2;
        best = Math.min(best, d);
      }
      close(dt[i]!, Math.sqrt(best), 1e-9);
    }
  }
  assert.equal(euclideanDistanceTransform([0, 0, 0, 0], [2, 2])[0], Infinity);
});

test('hd95: single pixels 3-4-5 apart, in pixels and with physical spacing', () => {
  const prediction = new Uint8Array(25);
  const target = new Uint8Array(25);
  target[0] = 1;
  prediction[3 * 5 + 4] = 1;
  const hd = new Hd95Metric();
  close(hd.compute({ prediction, target, shape: [5, 5], numClasses: 2 }).perClass[1]!, 5);
  close(hd.compute({ prediction, target, shape: [5, 5], numClasses: 2, spacing: [2, 1] }).perClass[1]!, Math.sqrt(6 * 6 + 4 * 4));
});

test('hd95 interpolates the 95th percentile of the pooled surface distances', () => {
  // Target covers columns 0–3, prediction 0–5 of a 1×10 strip: pooled distances are eight 0s, a 1 and a 2;
  // position 9·0.95 = 8.55 lies between 1 and 2.
  const target = grid(['1111000000']);
  const prediction = grid(['1111110000']);
  close(new Hd95Metric().compute({ prediction, target, shape: [1, 10], numClasses: 2 }).perClass[1]!, 1.55);
});

test('hd95: nested squares — surface is the ring, interior pixels excluded', () => {
  const target = new Uint8Array(81);
  const prediction = new Uint8Array(81);
  for (let r = 2; r <= 6; r++) for (let c = 2; c <= 6; c++) target[r * 9 + c] = 1;
  for (let r = 3; r <= 5; r++) for (let c = 3; c <= 5; c++) prediction[r * 9 + c] = 1;
  // 20 pooled distances of 1 and 4 corner distances of √2 (24 values): position 21.85 → √2.
  close(new Hd95Metric().compute({ prediction, target, shape: [9, 9], numClasses: 2 }).perClass[1]!, Math.SQRT2);
  close(new Hd95Metric(50).compute({ prediction, target, shape: [9, 9], numClasses: 2 }).perClass[1]!, 1);
});

test('hd95 in 3-D with spacing, and the empty-mask conventions', () => {
  const prediction = new Uint8Array(27);
  const target = new Uint8Array(27);
  target[0] = 1;
  prediction[26] = 1;
  const hd = new Hd95Metric();
  close(hd.compute({ prediction, target, shape: [3, 3, 3], numClasses: 2 }).perClass[1]!, Math.sqrt(12));
  close(hd.compute({ prediction, target, shape: [3, 3, 3], numClasses: 2, spacing: [5, 1, 1] }).perClass[1]!, Math.sqrt(108));
  const empty = hd.compute({ prediction: new Uint8Array(25), target: grid(['1000000000000000000000000']), shape: [5, 5], numClasses: 3 });
  close(empty.perClass[1]!, Math.sqrt(50));
  assert.ok(Number.isNaN(empty.perClass[2]!));
  close(empty.mean, Math.sqrt(50));
});
