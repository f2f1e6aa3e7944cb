import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { MetricValue } from '@graphflow/core';
import { TinyModel } from './fixtures/tiny-model';
import { FakeData } from './fixtures/fake-data';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { EvaluateStage } from '../src/stages/evaluate-stage';
import { compareVerdict } from '../src/evaluation/compare-verdict';
import type { EvaluationResult } from '../src/evaluation/evaluate-model';
import { DiceMetric } from '../src/metrics/dice';
import { Hd95Metric } from '../src/metrics/hd95';

tf.setBackend('cpu');
const METRICS = [new DiceMetric(), new Hd95Metric()];

/** Foreground only where the image exceeds `threshold`: with a high one, a handful of pixels (a model that learned nothing). */
class ThresholdModel extends TinyModel {
  constructor(private readonly threshold: number) {
    super(1, 2);
  }
  override forward(images: tf.Tensor4D) {
    return tf.tidy(() => {
      const fg = images.greater(this.threshold).toFloat();
      return { logits: tf.concat([fg.neg(), fg], 3) as tf.Tensor4D, taps: {} };
    });
  }
}

test('two models that learned nothing: "neither model learned", no winner, no "beats"', async () => {
  const data = new FakeData(4, { test: 6 });
  const blank = new ThresholdModel(1e9); // all background
  const speck = new ThresholdModel(1.25); // a few foreground pixels: Dice above 0 but far below the floor
  const ctx = await makeStageContext({ root: await tempDir('verdict-floor'), name: 'evaluate', refs: { 'models.blank': blank, 'models.speck': speck, data } });
  const options = { models: ['models.blank', 'models.speck'], data: 'data', partition: 'test' as const, batchSize: 2, overlays: 0, sliceSpacing: 1 };
  const result = await new EvaluateStage({ ...options, compare: { baseline: 'models.blank', candidate: 'models.speck', metric: 'dice' } }, METRICS).run(ctx);
  const metrics = result.metrics as Record<string, Record<string, number>>;
  const speckDice = metrics['models.speck']!['dice/foreground']!;
  assert.ok(speckDice > 0 && speckDice < 0.05, `speck Dice ${speckDice}`);
  assert.equal(metrics['models.blank']!['dice/foreground'], 0);
  const pct = (speckDice * 100).toFixed(2);
  assert.ok(result.report!.includes(`**Neither model learned foreground (Dice ${pct} % and 0.00 %)**, so speck vs blank on dice (test split) has no winner`), result.report);
  assert.doesNotMatch(result.report!, /beats/);
  assert.equal(metrics['compare']!['candidateBetter'], 0);
  assert.equal(metrics['compare']!['neitherLearned'], 1);
  assert.ok(Math.abs(metrics['compare']!['delta']! - speckDice) < 1e-12);

  // A lower floor: the speck counts as learned and the usual verdict (with its paired view) is back.
  const low = await new EvaluateStage({ ...options, compare: { baseline: 'models.blank', candidate: 'models.speck', metric: 'dice', learnedFloor: 0.001 } }, METRICS).run(ctx);
  assert.match(low.report!, /\*\*speck beats blank\*\* on dice \(test split\): \+\d\.\d\d points\. Per case:/);
});

const value = (perClass: number[]): MetricValue => ({ perClass, mean: perClass.slice(1).reduce((a, b) => a + b, 0) / (perClass.length - 1) });
const result = (dice: number[]): EvaluationResult => ({
  partition: 'test',
  classNames: ['background', 'liver', 'kidney', 'spleen', 'pancreas'],
  cases: [{ id: 'c0', group: 'c0', metrics: { dice: value(dice) } }],
  summary: { dice: value(dice) },
  unit: 'case',
});

test('classes that differ in outcome get one verdict line each', () => {
  const baseline = result([0.99, 0.9, 0.8, 0.01, 0.02]);
  const candidate = result([0.99, 0.95, 0.7, 0.3, 0.03]);
  const v = compareVerdict({ baseline: 'models.alone', candidate: 'models.student', metric: 'dice' }, { 'models.alone': baseline, 'models.student': candidate }, [new DiceMetric()], 'test');
  const lines = v.text.split('\n');
  // Means: 0.4325 → 0.4950.
  assert.equal(lines[0], '**student beats alone** on dice (test split): +6.25 points.');
  assert.deepEqual(lines.slice(2), [
    '- liver: student beats alone on dice, +5.00 points (Dice 95.00 % and 90.00 %).',
    '- kidney: student does NOT beat alone on dice, −10.00 points (Dice 70.00 % and 80.00 %).',
    '- spleen: only student learned it (Dice 30.00 % and 1.00 %).',
    '- pancreas: neither model learned pancreas (Dice 3.00 % and 2.00 %).',
  ]);
  assert.deepEqual(v.neitherLearned, ['pancreas']);
  assert.equal(v.better, true);
  // Uniform outcome (every class better and learned by both): the headline alone.
  const up = compareVerdict({ baseline: 'a', candidate: 'b', metric: 'dice' }, { a: result([1, 0.5, 0.5, 0.5, 0.5]), b: result([1, 0.6, 0.6, 0.6, 0.6]) }, [new DiceMetric()], 'test');
  assert.equal(up.text.split('\n').length, 1);
});
