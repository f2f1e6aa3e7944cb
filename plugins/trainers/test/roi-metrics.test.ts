import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { Partition, Sample, SegmentationData } from '@graphflow/core';
import { TinyModel } from './fixtures/tiny-model';
import { DiceMetric } from '../src/metrics/dice';
import { IouMetric } from '../src/metrics/iou';
import { AccuracyMetric } from '../src/metrics/accuracy';
import { Hd95Metric } from '../src/metrics/hd95';
import { evaluateModel } from '../src/evaluation/evaluate-model';

tf.setBackend('cpu');
const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);
const grid = (rows: string[]) => Uint8Array.from(rows.join('').split('').map(Number));

test('dice, iou and accuracy leave out elements outside the roi (2×4, worked by hand)', () => {
  const prediction = grid(['1110', '1111']);
  const target = grid(['1100', '0110']);
  const roi = grid(['1110', '1110']);
  const input = { prediction, target, shape: [2, 4], numClasses: 2, roi };
  // Inside the roi (6 elements): class 1 predicted 6, actual 4, overlap 4; class 0 predicted 0, actual 2.
  const dice = new DiceMetric().compute(input);
  close(dice.perClass[1]!, 8 / 10);
  close(dice.perClass[0]!, 0);
  close(dice.mean, 0.8);
  const iou = new IouMetric().compute(input);
  close(iou.perClass[1]!, 4 / 6);
  close(iou.perClass[0]!, 0);
  const acc = new AccuracyMetric().compute(input);
  close(acc.mean, 4 / 6);
  close(acc.perClass[1]!, 1);
  close(acc.perClass[0]!, 0);
  // Without the roi the last column counts: class 1 predicted 7 → Dice 8/11, accuracy 5/8.
  const all = { prediction, target, shape: [2, 4], numClasses: 2 };
  close(new DiceMetric().compute(all).perClass[1]!, 8 / 11);
  close(new AccuracyMetric().compute(all).mean, 5 / 8);
});

test('hd95 sets prediction and target to background outside the roi before taking surfaces', () => {
  // 1×8 strip: inside the roi the prediction covers 0–5, the target 0–3 → pooled distances eight 0s, 1, 2 → 1.55.
  const prediction = grid(['11111111']);
  const target = grid(['11110000']);
  const roi = grid(['11111100']);
  close(new Hd95Metric().compute({ prediction, target, shape: [1, 8], numClasses: 2, roi }).perClass[1]!, 1.55);
  // Without it, 0–7 vs 0–3: eight 0s then 1, 2, 3, 4; position 11·0.95 = 10.45 → 3.45.
  close(new Hd95Metric().compute({ prediction, target, shape: [1, 8], numClasses: 2 }).perClass[1]!, 3.45);

  // A false positive outside the roi is no surface at all: a perfect match inside gives 0.
  const p2 = new Uint8Array(25);
  const t2 = new Uint8Array(25);
  p2[0] = 1;
  t2[0] = 1;
  p2[24] = 1;
  const roi2 = new Uint8Array(25).fill(1);
  roi2[24] = 0;
  close(new Hd95Metric().compute({ prediction: p2, target: t2, shape: [5, 5], numClasses: 2, roi: roi2 }).perClass[1]!, 0);
  // Unmasked: pooled [0, 0, √32] → position 1.9 → 0.9·√32.
  close(new Hd95Metric().compute({ prediction: p2, target: t2, shape: [5, 5], numClasses: 2 }).perClass[1]!, 0.9 * Math.sqrt(32));
  // Target entirely outside the roi and nothing predicted inside: absent from both → NaN.
  const t3 = new Uint8Array(25);
  t3[24] = 1;
  assert.ok(Number.isNaN(new Hd95Metric().compute({ prediction: new Uint8Array(25), target: t3, shape: [5, 5], numClasses: 2, roi: roi2 }).perClass[1]!));
});

test('a roi of the wrong size is a caller bug (RangeError)', () => {
  assert.throws(() => new DiceMetric().compute({ prediction: grid(['01']), target: grid(['01']), shape: [1, 2], numClasses: 2, roi: grid(['1']) }), RangeError);
  assert.throws(() => new Hd95Metric().compute({ prediction: grid(['01']), target: grid(['01']), shape: [1, 2], numClasses: 2, roi: grid(['111']) }), RangeError);
});

/** Predicts foreground everywhere. */
class AllForeground extends TinyModel {
  override forward(images: tf.Tensor4D) {
    return tf.tidy(() => {
      const [n, h, w] = images.shape;
      return { logits: tf.concat([tf.zeros([n, h, w, 1]), tf.ones([n, h, w, 1])], 3) as tf.Tensor4D, taps: {} };
    });
  }
}

/** Two 8×8 slices of one volume; foreground = columns 0–1, roi = columns 0–3 (32 pixels, 16 of them foreground). */
class RoiVolumeData implements SegmentationData {
  readonly numClasses = 2;
  readonly classNames = ['background', 'foreground'];
  readonly channels = 1;
  readonly inputSize = [8, 8] as const;
  size(): number {
    return 2;
  }
  async *batches(): AsyncIterable<never> {}
  async *samples(_p: Partition): AsyncIterable<Sample> {
    for (let i = 0; i < 2; i++) {
      const mask = new Uint8Array(64);
      const roi = new Uint8Array(64);
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
        mask[y * 8 + x] = x < 2 ? 1 : 0;
        roi[y * 8 + x] = x < 4 ? 1 : 0;
      }
      yield { id: `s${i}`, group: 'vol', height: 8, width: 8, channels: 1, image: new Float32Array(64), mask, roi, sliceIndex: i };
    }
  }
  skipped() {
    return [];
  }
}

test('evaluateModel passes sample.roi to every metric, per case and on the stacked volume', async () => {
  const result = await evaluateModel(new AllForeground(1, 2), new RoiVolumeData(), { partition: 'test', metrics: [new DiceMetric(), new AccuracyMetric()], batchSize: 2 });
  // In the roi: predicted 32, actual 16, overlap 16 → Dice 32/48; accuracy 16/32. Without the roi Dice would be 32/80.
  close(result.cases[0]!.metrics['dice']!.mean, 2 / 3);
  close(result.cases[1]!.metrics['accuracy']!.mean, 0.5);
  assert.equal(result.unit, 'volume');
  close(result.volumes![0]!.metrics['dice']!.mean, 2 / 3);
  close(result.summary['accuracy']!.mean, 0.5);
});
