import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { CaseResult } from '../src/evaluation/evaluate-model';
import { pairedComparison } from '../src/evaluation/paired-comparison';

const cases = (values: number[], metric = 'dice'): CaseResult[] => values.map((v, i) => ({ id: `c${i}`, group: `c${i}`, metrics: { [metric]: { perClass: [], mean: v } } }));

test('a uniform gain: better on every case, a tight interval around it', () => {
  const p = pairedComparison(cases([0.5, 0.6, 0.7, 0.8]), cases([0.6, 0.7, 0.8, 0.9]), 'dice', true);
  assert.equal(p.n, 4);
  assert.equal(p.wins, 4);
  assert.equal(p.losses, 0);
  assert.ok(Math.abs(p.meanDifference - 0.1) < 1e-12);
  assert.ok(Math.abs(p.ci[0] - 0.1) < 1e-12 && Math.abs(p.ci[1] - 0.1) < 1e-12, JSON.stringify(p.ci));
});

test('gains and losses that cancel give an interval containing 0; results are deterministic', () => {
  const base = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
  const cand = [0.7, 0.3, 0.6, 0.4, 0.65, 0.35, 0.55, 0.45];
  const p = pairedComparison(cases(base), cases(cand), 'dice', true);
  assert.equal(p.wins, 4);
  assert.equal(p.losses, 4);
  assert.ok(p.ci[0] < 0 && p.ci[1] > 0, JSON.stringify(p.ci));
  assert.deepEqual(pairedComparison(cases(base), cases(cand), 'dice', true), p);
});

test('cases are paired by id, undefined values are left out, and lower-is-better metrics count wins downwards', () => {
  const base = cases([10, 4, NaN, 8], 'hd95');
  const cand = cases([6, 5, 3, 2], 'hd95').reverse(); // order must not matter
  const p = pairedComparison(base, cand, 'hd95', false);
  assert.equal(p.n, 3);
  assert.equal(p.wins, 2); // c0 10 → 6, c3 8 → 2
  assert.equal(p.losses, 1); // c1 4 → 5
  assert.ok(Math.abs(p.meanDifference - (-4 + 1 - 6) / 3) < 1e-12);
  const single = pairedComparison(cases([0.5]), cases([0.6]), 'dice', true);
  assert.equal(single.n, 1);
  assert.ok(Number.isNaN(single.ci[0]));
});
