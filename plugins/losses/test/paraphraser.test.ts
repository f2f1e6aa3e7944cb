import { testComponentContext } from '@graphflow/core/testing';
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Rng, type ComponentContext, type FeatureParaphraser, type GraphFlowError } from '@graphflow/core';
import { Paraphraser, paraphraserComponent, type ParaphraserOptions } from '../src/modules/paraphraser';
import { TinyNet, discBatch, useCpu } from './helpers/tiny-net';

before(useCpu);
const teacher = new TinyNet(1, 2, [8, 12, 16], 41, 'para/teacher');
const options: ParaphraserOptions = { teacher: 'models.teacher', taps: ['enc2', 'enc3'], rate: 0.5, channels: null, depth: 2, reconstruction: 'l1' };
let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gf-losses-'));
});
after(async () => {
  teacher.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('module/paraphraser', () => {
  test('encodes each tap to C′ = rate·C and decodes back to C', () => {
    const p = new Paraphraser(teacher, options, new Rng(1));
    assert.deepEqual(p.factorChannels, { enc2: 6, enc3: 8 });
    const { images } = discBatch(1, 16, 1);
    tf.tidy(() => {
      const taps = teacher.forward(images, { training: false, taps: ['enc2'] }).taps;
      assert.deepEqual(p.encode('enc2', taps.enc2!, false).shape, [1, 8, 8, 6]);
      assert.deepEqual(p.reconstruct('enc2', taps.enc2!).shape, [1, 8, 8, 12]);
    });
    p.dispose();
  });

  test('unsupervised training lowers the reconstruction loss without leaking tensors', () => {
    const p = new Paraphraser(teacher, { ...options, reconstruction: 'l2' }, new Rng(2));
    const { images } = discBatch(2, 16, 2);
    const features = teacher.forward(images, { training: false, taps: ['enc2', 'enc3'] }).taps;
    const optimizer = tf.train.adam(0.01);
    const losses: number[] = [];
    let settled = 0;
    for (let step = 0; step < 25; step++) {
      const value = optimizer.minimize(() => p.reconstructionLoss(features), true, p.trainableVariables())!;
      losses.push(value.dataSync()[0]!);
      value.dispose();
      if (step === 1) settled = tf.memory().numTensors;
    }
    assert.equal(tf.memory().numTensors, settled, 'tensor count grew across paraphraser steps');
    assert.ok(losses.at(-1)! < losses[0]! * 0.7, `reconstruction loss ${losses[0]} → ${losses.at(-1)}`);
    optimizer.dispose();
    p.dispose();
  });

  test('save → load restores weights bit-exactly; a foreign checkpoint is refused', async () => {
    const a = new Paraphraser(teacher, options, new Rng(3));
    const b = new Paraphraser(teacher, options, new Rng(4));
    await a.save(path.join(dir, 'a'));
    const tensors = tf.memory().numTensors;
    await b.load(path.join(dir, 'a'));
    assert.equal(tf.memory().numTensors, tensors, 'loading leaked tensors');
    a.weights().forEach((w, i) => assert.deepEqual(Array.from(b.weights()[i]!.variable.dataSync()), Array.from(w.variable.dataSync())));
    await writeFile(path.join(dir, 'a', 'weights.json'), JSON.stringify({ architecture: 'backbone/unet', format: 'graphflow-weights/1', weights: [] }));
    await assert.rejects(b.load(path.join(dir, 'a')), (e: GraphFlowError) => e.code === 'GF_CHECKPOINT_INVALID');
    const wide = new Paraphraser(teacher, { ...options, channels: 3 }, new Rng(5));
    await a.save(path.join(dir, 'c'));
    await assert.rejects(wide.load(path.join(dir, 'c')), (e: GraphFlowError) => e.code === 'GF_CHECKPOINT_INVALID' && /shape/.test(e.message));
    for (const x of [a, b, wide]) x.dispose();
  });

  test('damaged or non-finite paraphraser weights are refused (GF_CHECKPOINT_CORRUPT / GF_WEIGHTS_NOT_FINITE), all or nothing', async () => {
    const a = new Paraphraser(teacher, options, new Rng(6));
    const b = new Paraphraser(teacher, options, new Rng(7));
    const target = path.join(dir, 'damaged');
    await a.save(target);
    const before = b.weights().map((w) => Array.from(w.variable.dataSync()));
    const unchanged = () => b.weights().forEach((w, i) => assert.deepEqual(Array.from(w.variable.dataSync()), before[i]));
    const bin = await readFile(path.join(target, 'weights.bin'));
    const flipped = Buffer.from(bin);
    for (let i = 0; i < 64; i++) flipped[flipped.length - 64 + i] = flipped[flipped.length - 64 + i]! ^ 0x08;
    await writeFile(path.join(target, 'weights.bin'), flipped);
    await assert.rejects(b.load(target), (e: GraphFlowError) => e.code === 'GF_CHECKPOINT_CORRUPT' && /weights\.bin does not match its recorded SHA-256/.test(e.message));
    unchanged();
    await writeFile(path.join(target, 'weights.bin'), bin);
    const index = JSON.parse(await readFile(path.join(target, 'weights.json'), 'utf8'));
    index.entries[0].shape = null;
    await writeFile(path.join(target, 'weights.json'), JSON.stringify(index));
    await assert.rejects(b.load(target), (e: GraphFlowError) => e.code === 'GF_CHECKPOINT_CORRUPT' && /shape must be an array of non-negative integers, got null/.test(e.message));
    unchanged();
    // An index written before digests (offsets in floats) still loads.
    const legacy = { architecture: a.architecture, format: 'graphflow-weights/1', weights: a.weights().reduce((list: { name: string; shape: number[]; offset: number }[], w) => [...list, { name: w.name, shape: w.variable.shape, offset: list.reduce((n, e) => n + e.shape.reduce((x, y) => x * y, 1), 0) }], []) };
    await writeFile(path.join(target, 'weights.json'), JSON.stringify(legacy));
    const warned = new Promise<string>((resolve) => process.once('warning', (w) => resolve(w.message)));
    await b.load(target);
    assert.match(await warned, /has no recorded SHA-256/);
    a.weights().forEach((w, i) => assert.deepEqual(Array.from(b.weights()[i]!.variable.dataSync()), Array.from(w.variable.dataSync())));
    // Saving NaN writes nothing.
    a.weights()[0]!.variable.assign(tf.fill(a.weights()[0]!.variable.shape, NaN));
    await assert.rejects(a.save(path.join(dir, 'nan')), (e: GraphFlowError) => e.code === 'GF_WEIGHTS_NOT_FINITE' && e.message.includes(a.weights()[0]!.name));
    await assert.rejects(readFile(path.join(dir, 'nan', 'weights.json')));
    for (const x of [a, b]) x.dispose();
  });

  test('the component resolves its teacher reference and checks tap names', async () => {
    const ctx = { ...testComponentContext({ seed: 0, path: 'models.paraphraser' }), resolve: async (ref: string) => (ref === 'models.teacher' ? teacher : undefined) } as unknown as ComponentContext;
    const built = (await paraphraserComponent.create(options, ctx)) as FeatureParaphraser;
    assert.deepEqual(built.teacherTaps, ['enc2', 'enc3']);
    built.dispose();
    await assert.rejects(Promise.resolve().then(() => paraphraserComponent.create({ ...options, taps: ['enc2', 'dec1'] }, ctx)), (e: GraphFlowError) => e.code === 'GF_OPTIONS_INVALID' && e.problems[0]!.pointer === '/taps/1');
  });
});
