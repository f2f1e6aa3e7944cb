import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { isGraphFlowError, Rng, type ForwardOptions, type Partition, type Sample, type SegmentationData } from '@graphflow/core';
import { TinyModel } from './fixtures/tiny-model';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { tileStarts } from '../src/inference/tile-grid';
import { resolveInference } from '../src/inference/inference-options';
import { inferClasses, inferProbabilities } from '../src/inference/infer-samples';
import { wholeImageInference } from '../src/inference/whole-image';
import { checkInferenceOptions } from '../src/inference/check-inference';
import { paddedSize } from '../src/inference/padded-size';
import { evaluateModel } from '../src/evaluation/evaluate-model';
import { predictImages } from '../src/predict/predict-images';
import { EvaluateStage } from '../src/stages/evaluate-stage';
import { DiceMetric } from '../src/metrics/dice';

tf.setBackend('cpu');

/**
 * Conv-only, translation-equivariant test network (two 3×3 convs and a 1×1 head, no pooling: receptive-field radius 2)
 * that nevertheless declares a size multiple of 4, like a pooling network, so padding is exercised. Counts forwards.
 */
class StrideFourNet extends TinyModel {
  readonly inputSizeRequirement = { multiple: 4, minimum: 4 };
  forwards = 0;
  shapes: number[][] = [];
  override checkInputSize(height = 0, width = 0): string | null {
    return height % 4 === 0 && width % 4 === 0 ? null : `${this.architecture} cannot process a ${height}×${width} input: sides must be multiples of 4`;
  }
  override forward(images: tf.Tensor4D, options: ForwardOptions) {
    const problem = this.checkInputSize(images.shape[1], images.shape[2]);
    if (problem) throw new Error(problem);
    this.forwards++;
    this.shapes.push(images.shape.slice());
    return super.forward(images, options);
  }
}

function randomImage(h: number, w: number, c = 1, seed = 3) {
  const rng = new Rng(seed);
  const data = new Float32Array(h * w * c);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal(0, 1);
  return { data, height: h, width: w, channels: c };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('tile starts: regular step, last tile flush with the border, one tile when the image is not larger', () => {
  assert.deepEqual(tileStarts(100, 16, 0.25), [0, 12, 24, 36, 48, 60, 72, 84]);
  assert.deepEqual(tileStarts(40, 16, 0.5), [0, 8, 16, 24]);
  // 30 − 16 = 14 with step 12: two steps, spread evenly (7 each) so the last tile ends at 30.
  assert.deepEqual(tileStarts(30, 16, 0.25), [0, 7, 14]);
  assert.deepEqual(tileStarts(16, 16, 0.25), [0]);
  assert.deepEqual(tileStarts(10, 16, 0.25), [0]);
});

test('padding goes to the network multiple and at least the tile', () => {
  const net = new StrideFourNet(1, 2);
  assert.deepEqual(paddedSize(net, 999, 960), [1000, 960]);
  assert.deepEqual(paddedSize(net, 10, 30, [16, 16]), [16, 32]);
  net.dispose();
});

test('tiled probabilities equal whole-image inference for a conv-only network, with gaussian and constant blending', () => {
  const net = new StrideFourNet(1, 3, 4, 7);
  const image = randomImage(40, 36);
  const before = tf.memory().numTensors;
  const whole = wholeImageInference(net, [image], 'probabilities')[0]!;
  for (const blend of ['gaussian', 'constant'] as const) {
    // overlap 0.5 of 16 → 8 shared pixels, 2 dropped per inner edge = the receptive-field radius.
    const tiled = inferProbabilities(net, image, resolveInference({ mode: 'sliding-window', tile: 16, overlap: 0.5, blend, batchSize: 3 }));
    assert.equal(tiled.length, 40 * 36 * 3);
    assert.ok(maxAbsDiff(tiled, whole) < 1e-5, `${blend}: max |tiled − whole| = ${maxAbsDiff(tiled, whole)}`);
  }
  assert.equal(tf.memory().numTensors, before, 'inference leaked tensors');
  net.dispose();
});

test('no seams: a constant image gives a constant output away from the image border', () => {
  const net = new StrideFourNet(1, 2, 4, 11);
  const image = { data: new Float32Array(48 * 48).fill(0.7), height: 48, width: 48, channels: 1 };
  // Non-square tile; overlap 0.5 drops 2 pixels per inner edge on both axes (≥ the receptive-field radius).
  const tiled = inferProbabilities(net, image, resolveInference({ mode: 'sliding-window', tile: [16, 20], overlap: 0.5 }));
  const centre = tiled[(24 * 48 + 24) * 2]!;
  let worst = 0;
  // Rows/cols 2…45: beyond the receptive-field radius of the image border (where zero padding legitimately differs).
  for (let y = 2; y < 46; y++) for (let x = 2; x < 46; x++) worst = Math.max(worst, Math.abs(tiled[(y * 48 + x) * 2]! - centre));
  assert.ok(worst < 1e-5, `seam of ${worst}`);
  net.dispose();
});

test('a 999×960-like odd size: padded to the multiple for the forward, output cropped back to the input shape', () => {
  const net = new StrideFourNet(3, 2, 4, 5);
  const image = randomImage(99, 61, 3);
  const whole = wholeImageInference(net, [image], 'probabilities')[0]!;
  assert.deepEqual(net.shapes[0], [1, 100, 64, 3]);
  const r = resolveInference({ mode: 'sliding-window', tile: 32, overlap: 0.25, batchSize: 4 });
  net.shapes = [];
  const tiled = inferProbabilities(net, image, r);
  assert.equal(tiled.length, 99 * 61 * 2);
  // 100×64 padded, step 24: rows start 0, 23, 45, 68; cols 0, 16, 32 → 12 tiles in 3 forwards of 4.
  assert.deepEqual(net.shapes, [[4, 32, 32, 3], [4, 32, 32, 3], [4, 32, 32, 3]]);
  assert.ok(maxAbsDiff(tiled, whole) < 1e-5);
  const sample: Sample = { id: 'odd', group: 'odd', height: 99, width: 61, channels: 3, image: image.data };
  const classes = inferClasses(net, [sample], r)[0]!;
  assert.equal(classes.length, 99 * 61);
  assert.deepEqual(classes, wholeImageInference(net, [image], 'classes')[0]);
  net.dispose();
});

test('tile sizes the network cannot take and overlap out of range fail with GF_OPTIONS_INVALID and a pointer', () => {
  const net = new StrideFourNet(1, 2);
  const at = '/stages/2/options/inference';
  const fails = (options: Parameters<typeof checkInferenceOptions>[1], pointer: string, message: RegExp, training: [number, number] = [16, 16]) =>
    assert.throws(() => checkInferenceOptions(net, options, training, at), (e) => isGraphFlowError(e) && e.code === 'GF_OPTIONS_INVALID' && e.problems[0]?.pointer === pointer && message.test(e.message));
  fails({ tile: 18 }, `${at}/tile`, /inference\.tile 18×18 does not suit the network: .*multiples of 4/);
  fails({ tile: [16, 10] }, `${at}/tile`, /16×10/);
  fails({}, `${at}/tile`, /\(the training input size\)/, [18, 18]);
  fails({ overlap: 0.9 }, `${at}/overlap`, /\[0, 0\.9\)/);
  fails({ overlap: -0.1 }, `${at}/overlap`, /out of range/);
  checkInferenceOptions(net, { tile: [16, 32], overlap: 0.5 }, [16, 16], at);
  // Whole-image mode never tiles, so no tile is checked.
  checkInferenceOptions(net, { mode: 'whole', tile: 18 }, [16, 16], at);
  net.dispose();
});

/** Whole images of 40×44 while training used 16×16 patches: `auto` must tile them. */
class PatchTrainedData implements SegmentationData {
  readonly numClasses = 2;
  readonly classNames = ['background', 'foreground'];
  readonly channels = 1;
  readonly inputSize = [16, 16] as const;
  private readonly items: Sample[];
  constructor() {
    this.items = [0, 1].map((i) => {
      const { data } = randomImage(40, 44, 1, 20 + i);
      const mask = new Uint8Array(40 * 44);
      for (let p = 0; p < mask.length; p++) mask[p] = data[p]! > 0 ? 1 : 0;
      return { id: `img${i}`, group: `img${i}`, height: 40, width: 44, channels: 1, image: data, mask };
    });
  }
  size(): number {
    return this.items.length;
  }
  async *batches(): AsyncIterable<never> {}
  async *samples(_p: Partition): AsyncIterable<Sample> {
    yield* this.items;
  }
  skipped() {
    return [];
  }
}

test('evaluateModel and predictImages tile whole images larger than the training size (auto), without leaking tensors', async () => {
  const net = new StrideFourNet(1, 2, 4, 13);
  const data = new PatchTrainedData();
  const before = tf.memory().numTensors;
  const result = await evaluateModel(net, data, { partition: 'test', metrics: [new DiceMetric()], batchSize: 4, inference: { overlap: 0.5 } });
  assert.equal(tf.memory().numTensors, before, 'evaluation leaked tensors');
  assert.ok(net.shapes.every((s) => s[1] === 16 && s[2] === 16), 'auto tiled with the 16×16 training size');
  const samples: Sample[] = [];
  for await (const s of data.samples('test')) samples.push(s);
  const whole = wholeImageInference(net, samples.map((s) => ({ data: s.image, height: 40, width: 44, channels: 1 })), 'classes');
  const direct = new DiceMetric().compute({ prediction: whole[0]!, target: samples[0]!.mask!, shape: [40, 44], numClasses: 2 });
  assert.ok(Math.abs(result.cases[0]!.metrics['dice']!.mean - direct.mean) < 1e-12, 'tiled evaluation = whole-image evaluation for a conv-only net');

  net.shapes = [];
  const files = await predictImages(net, samples, { outDir: await tempDir('tiled-predict'), overlays: false, trainingSize: [16, 16], inference: { overlap: 0.5, batchSize: 8 } });
  assert.equal(files.length, 2);
  assert.ok(net.shapes.length > 0 && net.shapes.every((s) => s[1] === 16 && s[0]! <= 8));
  assert.equal(tf.memory().numTensors, before, 'prediction leaked tensors');
  net.dispose();
});

test('evaluation skips tiles entirely outside the roi; metrics are unchanged because they leave those pixels out', async () => {
  const net = new StrideFourNet(1, 2, 4, 13);
  const data = new PatchTrainedData();
  const roi = new Uint8Array(40 * 44);
  for (let y = 0; y < 12; y++) for (let x = 0; x < 12; x++) roi[y * 44 + x] = 1;
  const withRoi: SegmentationData = { ...data, inputSize: data.inputSize, numClasses: 2, classNames: data.classNames, channels: 1, size: () => 2, batches: data.batches, skipped: () => [], samples: async function* () {
    for await (const s of data.samples('test')) yield { ...s, roi };
  } };
  const result = await evaluateModel(net, withRoi, { partition: 'test', metrics: [new DiceMetric()], batchSize: 4, inference: { overlap: 0.5, batchSize: 1 } });
  // 40×44 padded to 40×44 with 16×16 tiles at step 8: rows 0, 8, 16, 24; cols 0, 7, 14, 21, 28; only tiles starting
  // at row 0 or 8 and col 0 or 7 reach the 12×12 roi → 4 of 20 tiles per image.
  assert.equal(net.forwards, 2 * 4);
  const samples: Sample[] = [];
  for await (const s of data.samples('test')) samples.push(s);
  const whole = wholeImageInference(net, [{ data: samples[1]!.image, height: 40, width: 44, channels: 1 }], 'classes')[0]!;
  const direct = new DiceMetric().compute({ prediction: whole, target: samples[1]!.mask!, shape: [40, 44], numClasses: 2, roi });
  assert.ok(Math.abs(result.cases[1]!.metrics['dice']!.mean - direct.mean) < 1e-12);
  net.dispose();
});

test('stage/evaluate rejects a bad tile before running any model', async () => {
  const net = new StrideFourNet(1, 2);
  const data = new PatchTrainedData();
  const ctx = { ...(await makeStageContext({ root: await tempDir('tile-error'), name: 'evaluate', refs: { 'models.net': net, data } })), index: 2 };
  const stage = new EvaluateStage({ models: ['models.net'], data: 'data', partition: 'test', batchSize: 2, overlays: 0, sliceSpacing: 1, inference: { tile: [16, 18] } }, [new DiceMetric()]);
  await assert.rejects(stage.run(ctx), (e) => isGraphFlowError(e) && e.code === 'GF_OPTIONS_INVALID' && e.problems[0]?.pointer === '/stages/2/options/inference/tile');
  assert.equal(net.forwards, 0);
  net.dispose();
});
