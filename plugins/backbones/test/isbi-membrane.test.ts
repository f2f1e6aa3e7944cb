/**
 * Development check on real data (GRAPHFLOW_SLOW=1, and only where the shared ISBI 2012 membrane set exists):
 * a default ENet student trains on 64×64 EM crops on the default backend and its loss falls.
 * Data is read in place, never copied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ComponentContext, JsonSchema, SegmentationModel } from '@graphflow/core';
import { enetComponent } from '../src/index';
import { trainSteps } from './backbone-contract';
import { sharedDatasetPath } from '@graphflow/core/testing';

const ROOT = sharedDatasetPath('isbi2012-membrane');
const CROP = 64;

function skipReason(): string | false {
  if (process.env['GRAPHFLOW_SLOW'] !== '1') return 'slow: set GRAPHFLOW_SLOW=1';
  if (!existsSync(path.join(ROOT, 'image', '0.png'))) return `ISBI 2012 data not found at ${ROOT}`;
  return false;
}

type Sharp = (file: string) => { extract(r: { left: number; top: number; width: number; height: number }): { greyscale(): { raw(): { toBuffer(): Promise<Buffer> } } } };

/** Crops [n,64,64,1] in [0,1] and one-hot labels (membrane = class 0, interior = class 1). */
async function crops(indices: number[], corners: [number, number][]): Promise<{ x: tf.Tensor4D; y: tf.Tensor4D }> {
  // sharp is a root dependency of the workspace, loaded by name so this package does not need it to build.
  const sharp = require('sharp') as Sharp;
  const images: number[] = [];
  const labels: number[] = [];
  for (const i of indices) {
    for (const [left, top] of corners) {
      const region = { left, top, width: CROP, height: CROP };
      const img = await sharp(path.join(ROOT, 'image', `${i}.png`)).extract(region).greyscale().raw().toBuffer();
      const lab = await sharp(path.join(ROOT, 'label', `${i}.png`)).extract(region).greyscale().raw().toBuffer();
      for (const v of img) images.push(v / 255);
      for (const v of lab) labels.push(v >= 128 ? 1 : 0);
    }
  }
  const n = indices.length * corners.length;
  return tf.tidy(() => ({
    x: tf.tensor4d(images, [n, CROP, CROP, 1]),
    y: tf.oneHot(tf.tensor3d(labels, [n, CROP, CROP], 'int32'), 2).toFloat() as tf.Tensor4D,
  }));
}

function accuracy(model: SegmentationModel, x: tf.Tensor4D, y: tf.Tensor4D): number {
  return tf.tidy(() => {
    const { logits } = model.forward(x, { training: false, taps: [] });
    return tf.equal(logits.argMax(-1), y.argMax(-1)).mean().dataSync()[0]!;
  });
}

test('ENet (defaults) learns ISBI membrane crops on the default backend', { skip: skipReason() }, async () => {
  try {
    const backend = require('@graphflow/backend') as { activateBackend: (name: string) => Promise<unknown> };
    await backend.activateBackend('auto');
  } catch {
    await tf.setBackend('cpu');
  }
  const options = Object.fromEntries(Object.entries((enetComponent.schema as JsonSchema)['properties'] as Record<string, { default?: unknown }>).map(([k, v]) => [k, v.default]));
  const model = await enetComponent.create(options as never, {} as ComponentContext);
  const train = await crops([0, 1, 2, 3], [[0, 0], [200, 200], [400, 100], [100, 400]]);
  const held = await crops([24, 25], [[0, 0], [300, 300]]);
  const optimizer = tf.train.adam(5e-3);
  try {
    const batches = 16 / 4;
    const losses: number[] = [];
    const started = performance.now();
    for (let epoch = 0; epoch < 8; epoch++) {
      for (let b = 0; b < batches; b++) {
        const x = train.x.slice([b * 4, 0, 0, 0], [4, CROP, CROP, 1]);
        const y = train.y.slice([b * 4, 0, 0, 0], [4, CROP, CROP, 2]);
        losses.push(...trainSteps(model, x, y, 1, optimizer));
        tf.dispose([x, y]);
      }
    }
    const seconds = (performance.now() - started) / 1000 / losses.length;
    const interior = tf.tidy(() => held.y.slice([0, 0, 0, 1], [-1, -1, -1, 1]).mean().dataSync()[0]!);
    const acc = accuracy(model, held.x, held.y);
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    console.log(`# ENet on ${tf.getBackend()}: ${seconds.toFixed(2)} s/step (batch 4, 64×64); loss ${mean(losses.slice(0, 4)).toFixed(3)} → ${mean(losses.slice(-4)).toFixed(3)}; held-out pixel accuracy ${(100 * acc).toFixed(1)}% (all-interior baseline ${(100 * interior).toFixed(1)}%)`);
    assert.ok(mean(losses.slice(-4)) < 0.9 * mean(losses.slice(0, 4)), `loss fell: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  } finally {
    tf.dispose([train.x, train.y, held.x, held.y]);
    optimizer.dispose();
    model.dispose();
  }
});
