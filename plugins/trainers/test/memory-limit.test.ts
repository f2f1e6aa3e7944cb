import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GraphFlowError, TOKENS, isGraphFlowError, type BackendInfo, type BackendMemory, type ForwardOptions, type ForwardOutput, type StageContext } from '@graphflow/core';
import { TinyModel } from './fixtures/tiny-model';
import { FakeData } from './fixtures/fake-data';
import { CrossEntropyTerm } from './fixtures/fake-losses';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { buildStudentStage } from './fixtures/build-stage';
import { ACTIVATION_FACTOR, ATTENTION_FACTOR, activationElements, attentionScoreElements, estimateTrainingMemory, layerShapes } from '../src/training/memory-estimate';
import { PREFLIGHT_SHARE, RUNTIME_SHARE } from '../src/training/memory-limit';

tf.setBackend('cpu');

const MiB = 2 ** 20;

/** TinyModel with the per-layer summary the built-in backbones offer (conv1, conv2, head outputs). */
class SizedTinyModel extends TinyModel {
  failAtCall = 0;
  private calls = 0;
  layerSummary(h: number, w: number) {
    const f = this.features;
    return [{ outputShape: [1, h, w, f] }, { outputShape: [1, h, w, f] }, { outputShape: [1, h, w, this.numClasses] }].map((l, i) => ({ name: `l${i}`, params: 0, macs: 0, ...l }));
  }
  override forward(images: tf.Tensor4D, options: ForwardOptions): ForwardOutput {
    // Stands in for the wasm backend's malloc guard firing inside a step.
    if (options.training && ++this.calls === this.failAtCall) throw new GraphFlowError('GF_MEMORY_LIMIT', 'the WebAssembly heap is full: a 64 MiB tensor does not fit');
    return super.forward(images, options);
  }
}

function withBackend(ctx: StageContext, memory: BackendMemory, index = 2): StageContext {
  const info: BackendInfo = { name: 'fake', tfBackend: 'cpu', version: '0', threads: 1, memory };
  ctx.container.register(TOKENS.Backend, { useValue: info });
  return { ...ctx, index };
}

test('estimate: numbers for a small known network', () => {
  const model = new SizedTinyModel(1, 2);
  const shapes = layerShapes(model, 8, 8)!;
  // conv1 and conv2 are 8×8×4, the head 8×8×2.
  assert.equal(activationElements(shapes), 256 + 256 + 128);
  assert.equal(shapes.params, 40 + 148 + 10 + 2);
  const e = estimateTrainingMemory({ shapes, trainedParams: 198, optimizerSlots: 2, batchSize: 2, inputSize: [8, 8], channels: 1, numClasses: 2, residentBytes: 1000 });
  // Per image: 4 B × (6 × 640 activations + 2 × 64 px × (1 + 2) batch data) = 16 896.
  const perImage = 4 * (ACTIVATION_FACTOR * 640 + 2 * 64 * 3);
  assert.equal(perImage, 16_896);
  assert.equal(e.perImageBytes, perImage);
  // Activation phase (gradients 792 B + 2 images) beats Adam's update phase (18 × 792 B = 14 256).
  assert.equal(e.bytes, 1000 + 792 + 2 * perImage);
  assert.equal(e.fixedBytes, 1000 + 18 * 792);
  assert.equal(e.largestBatchWithin(e.bytes), 2);
  assert.equal(e.largestBatchWithin(e.bytes - 1), 1);
  assert.equal(e.largestBatchWithin(e.fixedBytes - 1), 0);

  // Plain SGD (no slots) on a big-parameter network: the update phase dominates.
  const sgd = estimateTrainingMemory({ shapes, trainedParams: 1_000_000, optimizerSlots: 0, batchSize: 1, inputSize: [8, 8], channels: 1, numClasses: 2, residentBytes: 0 });
  assert.equal(sgd.bytes, 6 * 4_000_000);

  // A distillation teacher adds its kept logits and taps to every image of the student's phase.
  const teacher = new SizedTinyModel(1, 2);
  const distill = estimateTrainingMemory({
    shapes, trainedParams: 198, optimizerSlots: 2, batchSize: 2, inputSize: [8, 8], channels: 1, numClasses: 2, residentBytes: 1000,
    teacher: { shapes: layerShapes(teacher, 8, 8)!, taps: teacher.taps, numClasses: 2 },
  });
  assert.equal(distill.perImageBytes, perImage + 4 * (64 * 2 + 2 * 64 * 4));

  // Self-attention over a 4×4 map with D = 64 (2 heads of 32): 2 × 16² score elements, kept ATTENTION_FACTOR times.
  const attention = { params: 0, layers: [{ outputShape: [1, 4, 4, 64], attentionScores: 2 * 16 ** 2 }] };
  assert.equal(attentionScoreElements(attention), 512);
  const withAttention = estimateTrainingMemory({ shapes: attention, trainedParams: 0, optimizerSlots: 2, batchSize: 1, inputSize: [4, 4], channels: 1, numClasses: 2, residentBytes: 0 });
  assert.equal(withAttention.bytes, 4 * (ACTIVATION_FACTOR * 1024 + ATTENTION_FACTOR * 512 + 2 * 16 * 3));
  model.dispose();
  teacher.dispose();
});

test('estimate: networks without a per-layer summary are not estimated', () => {
  const plain = new TinyModel(1, 2);
  assert.equal(layerShapes(plain, 8, 8), undefined);
  plain.dispose();
});

test('pre-flight: a stage over the backend limit fails with GF_MEMORY_LIMIT before any step', async () => {
  const root = await tempDir('mem-preflight');
  const model = new SizedTinyModel(1, 2);
  const data = new FakeData(3, { train: 4 }, 32);
  const ctx = withBackend(await makeStageContext({ root, refs: { 'models.student': model, data } }), { limitBytes: 1 * MiB, description: 'test heap' });
  let steps = 0;
  ctx.run.appendMetric = async () => {
    steps++;
  };
  const stage = buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 1, batchSize: 64 });
  const error = await stage.run(ctx).then(
    () => assert.fail('expected GF_MEMORY_LIMIT'),
    (e: unknown) => e,
  );
  assert.ok(isGraphFlowError(error), String(error));
  assert.equal(error.code, 'GF_MEMORY_LIMIT');
  assert.equal(error.problems[0]!.pointer, '/stages/2/options/batchSize');
  // 32×32 px, batch 64: 64 × 4 B × (6 × 10 240 + 6 144) ≈ 16.5 MiB, against 90 % of 1 MiB.
  assert.match(error.message, /stage "train" \(backbone\/tiny at 32×32, batch 64\) needs about 1[67] MiB for one training step/);
  assert.match(error.message, /more than the 1 MiB usable \(90 % of backend fake's 1 MiB test heap\)/);
  assert.match(error.message, /Lower batchSize to [1-3] or less, or use a smaller input size .* or a narrower model/);
  assert.equal(steps, 0, 'no training step may run');
  await assert.rejects(fs.access(path.join(ctx.dir, 'checkpoints')));
  model.dispose();
});

test('pre-flight: a network too big even for batch 1 says so; backends without a limit are not checked', async () => {
  const model = new SizedTinyModel(1, 2);
  const data = new FakeData(3, { train: 2 }, 64);
  const tight = withBackend(await makeStageContext({ root: await tempDir('mem-one'), refs: { 'models.student': model, data } }), { limitBytes: 64 * 1024, description: 'test heap' }, 0);
  await assert.rejects(buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 1, batchSize: 1 }).run(tight), (e) => {
    assert.ok(isGraphFlowError(e));
    assert.equal(e.code, 'GF_MEMORY_LIMIT');
    assert.equal(e.problems[0]!.pointer, '/stages/0/options/batchSize');
    assert.match(e.message, /Even batchSize 1 does not fit: use a smaller input size/);
    return true;
  });
  const unlimited = await makeStageContext({ root: await tempDir('mem-none'), refs: { 'models.student': model, data } });
  const result = await buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 1, batchSize: 2 }).run(unlimited);
  assert.equal(result.metrics?.['steps'], 1);
  model.dispose();
});

test('runtime guard: usage near the limit after a step stops the stage; the checkpoint on disk stays the last good one', async () => {
  const root = await tempDir('mem-runtime');
  const model = new SizedTinyModel(1, 2);
  const data = new FakeData(3, { train: 8 }, 16);
  const limit = 1024 * MiB;
  let used = 10 * MiB;
  const ctx = withBackend(await makeStageContext({ root, refs: { 'models.student': model, data } }), { limitBytes: limit, description: 'test heap', usedBytes: () => used });
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (record) => {
    await append(record);
    if (record['step'] === 2) used = RUNTIME_SHARE * limit;
  };
  const stage = buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 1, batchSize: 2, checkpointEvery: 2 });
  await assert.rejects(stage.run(ctx), (e) => {
    assert.ok(isGraphFlowError(e));
    assert.equal(e.code, 'GF_MEMORY_LIMIT');
    assert.equal(e.problems[0]!.pointer, '/stages/2/options/batchSize');
    assert.match(e.message, /after step 3 the test heap holds 994 MiB, within 3 % of backend fake's 1\.00 GiB test heap; the next step would not fit\. Lower batchSize/);
    return true;
  });
  const latest = JSON.parse(await fs.readFile(path.join(ctx.dir, 'checkpoints', 'latest.json'), 'utf8'));
  assert.equal(latest.step, 2);
  model.dispose();
});

test('runtime guard: a GF_MEMORY_LIMIT raised inside a step gets the stage, step and manifest pointer', async () => {
  const model = new SizedTinyModel(1, 2);
  model.failAtCall = 2;
  const data = new FakeData(3, { train: 8 }, 16);
  const ctx = withBackend(await makeStageContext({ root: await tempDir('mem-malloc'), refs: { 'models.student': model, data } }), { limitBytes: 1024 * MiB, description: 'test heap', usedBytes: () => 0 }, 1);
  await assert.rejects(buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 1, batchSize: 2 }).run(ctx), (e) => {
    assert.ok(isGraphFlowError(e));
    assert.equal(e.code, 'GF_MEMORY_LIMIT');
    assert.equal(e.problems[0]!.pointer, '/stages/1/options/batchSize');
    assert.match(e.message, /stage "train", step 2: the WebAssembly heap is full/);
    return true;
  });
  assert.ok(PREFLIGHT_SHARE < RUNTIME_SHARE);
  model.dispose();
});
