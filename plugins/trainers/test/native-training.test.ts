import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { activateBackend, nativeKernelStats } from '@graphflow/backend';
import { loadNativeAddon } from '@graphflow/backend-native';
import { FUSED_ADAM_KERNEL } from '@graphflow/core';
import { TinyModel } from './fixtures/tiny-model';
import { FakeData } from './fixtures/fake-data';
import { CrossEntropyTerm } from './fixtures/fake-losses';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { buildStudentStage } from './fixtures/build-stage';
import { DiceMetric } from '../src/metrics/dice';

const load = loadNativeAddon();
if (!load.addon && process.env.GRAPHFLOW_REQUIRE_NATIVE === '1') throw new Error(`GRAPHFLOW_REQUIRE_NATIVE=1 but the native addon is unavailable: ${load.reason}`);
const skip = load.addon ? false : `native backend unavailable here (${load.reason})`;

test('stage/supervised on the native backend: fused Adam and oneDNN convolutions, tensor count and bytes flat', { skip }, async () => {
  await activateBackend('native', { threads: 2 });
  assert.ok(tf.getKernel(FUSED_ADAM_KERNEL, tf.getBackend()), 'native registers the fused Adam kernel');
  const fusedBefore = nativeKernelStats().get(FUSED_ADAM_KERNEL)?.native ?? 0;
  const convBefore = nativeKernelStats().get('Conv2DBackpropFilter')?.native ?? 0;
  const root = await tempDir('sup-native');
  const model = new TinyModel(1, 2);
  const data = new FakeData(3, { train: 6, val: 2 });
  const ctx = await makeStageContext({ root, refs: { 'models.student': model, data } });
  const counts: number[] = [];
  const bytes: number[] = [];
  const losses: number[] = [];
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (record) => {
    if (typeof record['ce'] === 'number') {
      counts.push(tf.memory().numTensors);
      bytes.push(tf.memory().numBytes);
      losses.push(record['ce'] as number);
    }
    await append(record);
  };
  const stage = buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 3, batchSize: 2, validation: { every: 1, partition: 'val', monitor: 'dice', metrics: [], patience: 0, restoreBest: false, batchSize: 2 } }, [new DiceMetric()]);
  await stage.run(ctx);
  assert.equal(counts.length, 9);
  assert.ok(counts.every((c) => c === counts[0]), `tensor counts drift: ${counts.join(',')}`);
  assert.ok(bytes.every((b) => b === bytes[0]), `tensor bytes drift: ${bytes.join(',')}`);
  assert.ok(losses.every(Number.isFinite) && losses.at(-1)! < losses[0]!, `loss did not decrease: ${losses.join(', ')}`);
  // 9 updates × TinyModel's 6 trainable variables went through the fused kernel; the convolution gradients ran on oneDNN.
  assert.equal((nativeKernelStats().get(FUSED_ADAM_KERNEL)?.native ?? 0) - fusedBefore, 54);
  assert.ok((nativeKernelStats().get('Conv2DBackpropFilter')?.native ?? 0) - convBefore >= 18);
});
