import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapMeanInterval, bootstrapSeedsAndCasesInterval } from '../src';

test('the case interval brackets the mean; one seed gives the same interval with seeds resampled', () => {
  const diffs = [0.01, 0.02, 0.015, 0.03, 0.005, 0.02, 0.01, 0.025];
  const mean = diffs.reduce((s, d) => s + d, 0) / diffs.length;
  const [lo, hi] = bootstrapMeanInterval(diffs);
  assert.ok(lo > 0 && lo <= mean && mean <= hi && hi <= 0.03, `[${lo}, ${hi}]`);
  assert.deepEqual(bootstrapSeedsAndCasesInterval([diffs]), [lo, hi]);
  assert.deepEqual(bootstrapMeanInterval([0.1]), [NaN, NaN]);
});

test('seeds that disagree widen the interval to include 0, though every image agrees within a seed', () => {
  // Seed 1 gains 2 points on every image, seed 2 gains 1, seed 3 loses 2.5: averaged over seeds each image gains
  // about 0.17 points with almost no spread over images, so the case-only interval excludes 0 — the seeds do not agree.
  const wiggle = [0, 0.001, -0.001, 0.0005, -0.0005, 0.001, -0.001, 0];
  const bySeed = [0.02, 0.01, -0.025].map((d) => wiggle.map((w) => d + w));
  const perImage = wiggle.map((_, i) => (bySeed[0]![i]! + bySeed[1]![i]! + bySeed[2]![i]!) / 3);
  const [clo] = bootstrapMeanInterval(perImage);
  assert.ok(clo > 0, `case-only lower bound ${clo}`);
  const [lo, hi] = bootstrapSeedsAndCasesInterval(bySeed);
  assert.ok(lo < 0 && hi > 0, `seeds and images: [${lo}, ${hi}]`);
  assert.ok(lo >= -0.026 && hi <= 0.021);
});

test('the same differences give the same interval; ragged input is refused', () => {
  const bySeed = [[0.01, 0.02, 0.0], [0.0, 0.01, 0.02]];
  assert.deepEqual(bootstrapSeedsAndCasesInterval(bySeed), bootstrapSeedsAndCasesInterval(bySeed));
  assert.throws(() => bootstrapSeedsAndCasesInterval([[0.1, 0.2], [0.1]]), /same cases/);
  assert.deepEqual(bootstrapSeedsAndCasesInterval([[0.1], [0.2]]), [NaN, NaN]);
});
