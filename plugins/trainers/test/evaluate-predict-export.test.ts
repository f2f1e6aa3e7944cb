import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { isGraphFlowError, type SegmentationModel } from '@graphflow/core';
import { TinyModel } from './fixtures/tiny-model';
import { FakeData } from './fixtures/fake-data';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { EvaluateStage } from '../src/stages/evaluate-stage';
import { PredictStage } from '../src/stages/predict-stage';
import { evaluateModel } from '../src/evaluation/evaluate-model';
import { predictSamples } from '../src/evaluation/predict-batch';
import { predictImages } from '../src/predict/predict-images';
import { loadImageFiles } from '../src/predict/image-files';
import { exportModel } from '../src/export/export-model';
import { DiceMetric } from '../src/metrics/dice';
import { IouMetric } from '../src/metrics/iou';
import { AccuracyMetric } from '../src/metrics/accuracy';
import { Hd95Metric } from '../src/metrics/hd95';
import { LayersTinyModel } from './fixtures/layers-model';

tf.setBackend('cpu');
const METRICS = [new DiceMetric(), new IouMetric(), new AccuracyMetric(), new Hd95Metric()];

/** Predicts exactly the ground truth of FakeData (channel 0 > 0), so every metric has its ideal value. */
class OracleModel extends TinyModel {
  override forward(images: tf.Tensor4D) {
    return tf.tidy(() => {
      const fg = images.greater(0).toFloat();
      return { logits: tf.concat([fg.neg(), fg], 3) as tf.Tensor4D, taps: {} };
    });
  }
}

test('evaluateModel: an oracle scores Dice/IoU/accuracy 1 and HD95 0; volumes are aggregated in 3-D', async () => {
  const data = new FakeData(4, { test: 6 }, 16, { volumes: true });
  const oracle = new OracleModel(1, 2);
  const result = await evaluateModel(oracle, data, { partition: 'test', metrics: METRICS, batchSize: 4 });
  assert.equal(result.cases.length, 6);
  assert.equal(result.unit, 'volume');
  assert.equal(result.volumes?.length, 2);
  const truth = await evaluateModel(new TinyModel(1, 2), data, { partition: 'test', metrics: METRICS, batchSize: 4 });
  assert.ok(truth.summary['dice']!.mean < 1);
  // Hand-check one case against direct metric computation.
  const samples = [];
  for await (const s of data.samples('test')) samples.push(s);
  const pred = predictSamples(oracle, [samples[0]!])[0]!;
  const direct = new DiceMetric().compute({ prediction: pred, target: samples[0]!.mask!, shape: [16, 16], numClasses: 2 });
  assert.equal(result.cases[0]!.metrics['dice']!.mean, direct.mean);
  for (const name of ['dice', 'iou', 'accuracy']) assert.equal(result.summary[name]!.mean, 1, name);
  assert.equal(result.summary['hd95']!.mean, 0);
  assert.deepEqual(result.volumes!.map((v) => v.id), ['vol0', 'vol1']);
  assert.equal(result.volumes![0]!.metrics['dice']!.mean, 1);
});

test('stage/evaluate writes evaluation.json, overlay PNGs side by side and a report with sizes', async () => {
  const data = new FakeData(4, { test: 3 });
  const teacher = new TinyModel(1, 2, 6, 5, 'backbone/tiny-teacher');
  const student = new TinyModel(1, 2, 3, 8);
  const ctx = await makeStageContext({ root: await tempDir('eval'), name: 'evaluate', refs: { 'models.teacher': teacher, 'models.student': student, data } });
  const stage = new EvaluateStage({ models: ['models.teacher', 'models.student'], data: 'data', partition: 'test', batchSize: 2, overlays: 2, sliceSpacing: 1 }, METRICS);
  const before = tf.memory().numTensors;
  const result = await stage.run(ctx);
  assert.equal(tf.memory().numTensors, before, 'evaluation leaked tensors');
  const metrics = result.metrics as Record<string, Record<string, number>>;
  assert.ok(metrics['models.student']!['dice']! >= 0 && metrics['models.student']!['dice']! <= 1);
  assert.ok('hd95/foreground' in metrics['models.teacher']!);
  const overlays = result.artifacts!.filter((a) => a.includes('overlays'));
  assert.equal(overlays.length, 2);
  const meta = await sharp(path.join(ctx.run.root, overlays[0]!)).metadata();
  // image | ground truth | teacher | student, each 192 px wide (16 px × 12) with 4 px gaps.
  assert.equal(meta.width, 4 * 192 + 3 * 4);
  assert.equal(meta.height, 192 + 24);
  const saved = JSON.parse(await fs.readFile(path.join(ctx.dir, 'evaluation.json'), 'utf8'));
  assert.equal(saved['models.teacher'].cases.length, 3);
  assert.match(result.report!, /\| models\.student \|/);
  assert.match(result.report!, /\| params \| FLOPs @ 16×16 \|/);
  assert.equal(result.models?.['models.teacher']?.architecture, 'backbone/tiny-teacher');
});

test('stage/evaluate compare: the verdict gives the mean difference and the paired per-case view, both ways round', async () => {
  const data = new FakeData(4, { test: 6 });
  const oracle = new OracleModel(1, 2);
  const weak = new TinyModel(1, 2, 3, 8);
  const ctx = await makeStageContext({ root: await tempDir('eval-compare'), name: 'evaluate', refs: { 'models.oracle': oracle, 'models.weak': weak, data } });
  const options = { models: ['models.weak', 'models.oracle'], data: 'data', partition: 'test' as const, batchSize: 2, overlays: 0, sliceSpacing: 1 };
  const up = await new EvaluateStage({ ...options, compare: { baseline: 'models.weak', candidate: 'models.oracle', metric: 'dice' } }, METRICS).run(ctx);
  const m = (up.metrics as Record<string, Record<string, number>>)['compare']!;
  const oracleDice = (up.metrics as Record<string, Record<string, number>>)['models.oracle']!['dice']!;
  const weakDice = (up.metrics as Record<string, Record<string, number>>)['models.weak']!['dice']!;
  assert.ok(Math.abs(m['delta']! - (oracleDice - weakDice)) < 1e-12);
  assert.equal(m['candidateBetter'], 1);
  assert.equal(m['pairedCases'], 6);
  assert.equal(m['wins'], 6); // the oracle is perfect on every case
  assert.equal(m['losses'], 0);
  assert.ok(m['ciLow']! <= m['meanDifference']! && m['meanDifference']! <= m['ciHigh']!);
  assert.match(up.report!, /\*\*oracle beats weak\*\* on dice \(test split\): \+\d+\.\d\d points\. Per case: better on 6 and worse on 0 of 6 cases; mean difference \+[\d.]+ points, 95% bootstrap interval \[\+[\d.]+, \+[\d.]+\]\./);
  const down = await new EvaluateStage({ ...options, compare: { baseline: 'models.oracle', candidate: 'models.weak', metric: 'hd95' } }, METRICS).run(ctx);
  assert.match(down.report!, /\*\*weak does NOT beat oracle\*\* on hd95 \(test split\): \+[\d.]+\. Per case: better on 0 and worse on \d of 6 cases/);
  assert.equal((down.metrics as Record<string, Record<string, number>>)['compare']!['candidateBetter'], 0);
});

test('evaluation of a split without masks fails with GF_DATA_INVALID', async () => {
  const data = new FakeData(4, { unlabeled: 2 });
  await assert.rejects(evaluateModel(new TinyModel(1, 2), data, { partition: 'unlabeled', metrics: METRICS, batchSize: 2 }), (e) => isGraphFlowError(e) && e.code === 'GF_DATA_INVALID');
});

test('predictImages / stage/predict write exact class-index mask PNGs and overlays', async () => {
  const data = new FakeData(4, { test: 3 });
  const model = new OracleModel(1, 2);
  const ctx = await makeStageContext({ root: await tempDir('predict'), name: 'predict', refs: { 'models.student': model, data } });
  const result = await new PredictStage({ model: 'models.student', data: 'data', partition: 'test', batchSize: 2, overlays: true, scaledMasks: false }).run(ctx);
  assert.equal(result.metrics?.['predicted'], 3);
  const samples = [];
  for await (const s of data.samples('test')) samples.push(s);
  const expected = predictSamples(model, samples);
  for (const [i, s] of samples.entries()) {
    const file = path.join(ctx.dir, 'predictions', `${s.id}.mask.png`);
    assert.equal((await sharp(file).metadata()).channels, 1);
    const px = await sharp(file).extractChannel(0).raw().toBuffer();
    assert.deepEqual(Uint8Array.from(px), expected[i]);
  }
  const index = JSON.parse(await fs.readFile(path.join(ctx.dir, 'predictions', 'index.json'), 'utf8'));
  assert.equal(index.length, 3);
  assert.ok(index[0].overlay.endsWith('.overlay.png'));

  // From image files: decode with sharp, predict, write masks.
  const dir = await tempDir('predict-files');
  const file = path.join(dir, 'disk.png');
  const gray = Buffer.alloc(32 * 32);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) gray[y * 32 + x] = (x - 16) ** 2 + (y - 16) ** 2 < 64 ? 220 : 30;
  await sharp(gray, { raw: { width: 32, height: 32, channels: 1 } }).png().toFile(file);
  const loaded = await loadImageFiles([file], { channels: 1, size: [16, 16], normalize: 'zscore' });
  assert.equal(loaded[0]!.image.length, 256);
  const before = tf.memory().numTensors;
  const written = await predictImages(model, loaded, { outDir: path.join(dir, 'out'), scaledMasks: true });
  assert.equal(tf.memory().numTensors, before, 'prediction leaked tensors');
  const mask = await sharp(written[0]!.mask).extractChannel(0).raw().toBuffer();
  assert.equal(mask[8 * 16 + 8], 255, 'disk centre is foreground (scaled to 255)');
  assert.equal(mask[0], 0);
  await assert.rejects(loadImageFiles([path.join(dir, 'missing.png')], { channels: 1, size: [16, 16], normalize: 'unit' }), (e) => isGraphFlowError(e) && e.code === 'GF_DATA_INVALID');
});

test('exportModel writes a self-contained folder with a model card, atomically and never over an existing one', async () => {
  const dir = await tempDir('export');
  const model: SegmentationModel = new TinyModel(1, 2);
  const card = await exportModel(model, path.join(dir, 'model'), { inputSize: [16, 16], classNames: ['background', 'membrane'], preprocessing: { normalize: 'zscore' } });
  assert.equal(card.architecture, 'backbone/tiny');
  assert.deepEqual(card.inputShape, [16, 16, 1]);
  const files = (await fs.readdir(path.join(dir, 'model'))).sort();
  assert.deepEqual(files, ['graphflow-model.json', 'weights.bin', 'weights.json']);
  const reloaded = new TinyModel(1, 2, 4, 9);
  await reloaded.load(path.join(dir, 'model'));
  assert.deepEqual(Array.from(reloaded.weights()[0]!.variable.dataSync()), Array.from(model.weights()[0]!.variable.dataSync()));
  await assert.rejects(exportModel(model, path.join(dir, 'model'), { inputSize: [16, 16] }), (e) => isGraphFlowError(e) && e.code === 'GF_RUN_DIR_EXISTS');
});

test('exportModel reloads a tfjs model.json like a consumer would and rejects one that computes something else', async () => {
  const dir = await tempDir('export-layers');
  const card = await exportModel(new LayersTinyModel(), path.join(dir, 'good'), { inputSize: [16, 16] });
  assert.equal(card.tfjsModel, 'model.json');
  assert.equal(card.verifiedMaxAbsDiff, 0);
  await assert.rejects(exportModel(new LayersTinyModel(0.5), path.join(dir, 'bad'), { inputSize: [16, 16] }), (e) => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_INVALID' && /differ/.test(e.message));
  await assert.rejects(fs.access(path.join(dir, 'bad')), 'a failed export leaves no folder behind');
});

test('predictImages writes background outside a sample\'s roi (a fundus camera\'s dark surround)', async () => {
  const model = new OracleModel(1, 2);
  const h = 4;
  const w = 4;
  // Foreground everywhere in the image; the roi keeps the left half only.
  const roi = Uint8Array.from({ length: h * w }, (_, p) => (p % w < 2 ? 1 : 0));
  const sample = { id: 'fov', group: 'fov', height: h, width: w, channels: 1, image: new Float32Array(h * w).fill(1), roi };
  const dir = await tempDir('predict-roi');
  const [written] = await predictImages(model, [sample], { outDir: dir, overlays: false });
  const px = Uint8Array.from(await sharp(written!.mask).extractChannel(0).raw().toBuffer());
  assert.deepEqual(Array.from(px), Array.from(roi), 'class 1 inside the roi, background outside');
});
