import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { buildMobileUNet, type MobileUNetOptions } from '../src/networks/mobile-unet';
import { buildENet, type ENetOptions } from '../src/networks/enet';
import { buildERFNet, type ERFNetOptions } from '../src/networks/erfnet';
import { LayersSegmentationModel } from '@graphflow/core';
import { spatialDropout } from '../src/blocks/spatial-dropout';
import { backboneContract, tempDir, useCpu } from './backbone-contract';

const mobile: MobileUNetOptions = { inChannels: 1, numClasses: 2, widthMultiplier: 0.25, depth: 3, decoderExpansion: 2, norm: 'batch', dropout: 0, upsampling: 'transpose' };
const enet: ENetOptions = { inChannels: 1, numClasses: 2, widthMultiplier: 0.25, dropoutStage1: 0, dropout: 0, stage3: false };
const erfnet: ERFNetOptions = { inChannels: 1, numClasses: 2, widthMultiplier: 0.25, dropoutStage1: 0, dropout: 0 };

backboneContract({
  label: 'mobile-unet',
  create: () => new LayersSegmentationModel(buildMobileUNet(mobile)),
  sizes: [[16, 16], [16, 24], [32, 8]],
  invalidSize: [12, 16],
  trainSize: [16, 16],
  standalone: true,
});

backboneContract({
  label: 'mobile-unet (depth 5, bilinear, 3 channels)',
  create: () => new LayersSegmentationModel(buildMobileUNet({ ...mobile, depth: 5, upsampling: 'bilinear', inChannels: 3, dropout: 0.2 })),
  sizes: [[32, 64]],
  invalidSize: [48, 32],
  trainSize: [32, 32],
  standalone: true,
});

backboneContract({
  label: 'enet',
  create: () => new LayersSegmentationModel(buildENet(enet)),
  sizes: [[16, 16], [16, 24], [8, 32]],
  invalidSize: [20, 16],
  trainSize: [16, 16],
  standalone: true,
});

backboneContract({
  label: 'enet (stage 3, dropout, 3 channels)',
  create: () => new LayersSegmentationModel(buildENet({ ...enet, stage3: true, inChannels: 3, dropout: 0.1, dropoutStage1: 0.01 })),
  sizes: [[16, 24]],
  invalidSize: [16, 12],
  trainSize: [16, 16],
  standalone: true,
});

backboneContract({
  label: 'erfnet',
  create: () => new LayersSegmentationModel(buildERFNet(erfnet)),
  sizes: [[16, 16], [16, 24], [8, 32]],
  invalidSize: [20, 16],
  trainSize: [16, 16],
  standalone: true,
});

test('a saved student loads and predicts in a process that has only @tensorflow/tfjs', async () => {
  await useCpu();
  const model = new LayersSegmentationModel(buildENet({ ...enet, stage3: true, dropout: 0.1 }));
  const dir = await tempDir('standalone');
  try {
    await model.save(dir);
    const x = tf.tidy(() => tf.linspace(0, 1, 16 * 16).reshape([1, 16, 16, 1]) as tf.Tensor4D);
    const want = model.forward(x, { training: false, taps: [] }).logits;
    // The child resolves tfjs from this repository but never loads GraphFlow code.
    const script = `
      const fs = require('node:fs'); const path = require('node:path');
      const tf = require(${JSON.stringify(require.resolve('@tensorflow/tfjs'))});
      (async () => {
        await tf.setBackend('cpu');
        const dir = process.argv[1];
        const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
        const bin = fs.readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
        const m = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights,
          weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
        const x = tf.linspace(0, 1, 256).reshape([1, 16, 16, 1]);
        const out = m.predict(x);
        process.stdout.write(JSON.stringify(Array.from(out[0].dataSync())));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, dir], { maxBuffer: 1 << 24 });
    assert.deepEqual(new Float32Array(JSON.parse(stdout) as number[]), want.dataSync());
    const files = (await fs.readdir(dir)).sort();
    assert.deepEqual(files, ['model.json', 'weights.bin']);
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.equal(json.userDefinedMetadata.graphflow.architecture, 'backbone/enet');
    tf.dispose([x, want]);
  } finally {
    model.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('spatial dropout drops whole channels in training mode only', async () => {
  await useCpu();
  const input = tf.input({ shape: [null as unknown as number, null as unknown as number, 64] });
  const model = tf.model({ inputs: input, outputs: spatialDropout(input, 0.5, 'sd') });
  const x = tf.ones([1, 4, 4, 64]);
  const train = model.apply(x, { training: true }) as tf.Tensor;
  const perChannel = tf.tidy(() => train.reshape([16, 64]).transpose().arraySync() as number[][]);
  let dropped = 0;
  for (const values of perChannel) {
    assert.ok(values.every((v) => v === values[0]), 'a channel is dropped or kept as a whole');
    if (values[0] === 0) dropped++;
    else assert.ok(Math.abs(values[0]! - 2) < 1e-6, 'kept channels are scaled by 1/(1-rate)');
  }
  assert.ok(dropped > 10 && dropped < 54, `about half the channels dropped (${dropped}/64)`);
  const infer = model.apply(x, { training: false }) as tf.Tensor;
  assert.deepEqual(Array.from(infer.dataSync()), Array.from(x.dataSync()));
  tf.dispose([x, train, infer]);
  model.dispose();
});
