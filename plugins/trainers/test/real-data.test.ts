import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { DiceMetric } from '../src/metrics/dice';
import { Hd95Metric } from '../src/metrics/hd95';
import { loadImageFiles } from '../src/predict/image-files';
import { sharedDatasetPath } from '@graphflow/core/testing';

const ISBI = sharedDatasetPath('isbi2012-membrane');
const skip = existsSync(path.join(ISBI, 'label', '0.png')) ? false : `ISBI 2012 data not found at ${ISBI}`;

/** Membrane = class 1 (label value 0 in the files), cell interior = class 0; thresholded at 128 per the README. */
async function membraneMask(n: number): Promise<Uint8Array> {
  const raw = await sharp(path.join(ISBI, 'label', `${n}.png`)).extractChannel(0).raw().toBuffer();
  return Uint8Array.from(raw, (v) => (v < 128 ? 1 : 0));
}

test('metrics on real ISBI 2012 membrane masks (512×512): identity, a one-pixel shift, and timing', { skip }, async () => {
  const mask = await membraneMask(0);
  const shape = [512, 512];
  const dice = new DiceMetric().compute({ prediction: mask, target: mask, shape, numClasses: 2 });
  assert.equal(dice.perClass[1], 1);
  // Shift right by one column: every boundary moves by at most one pixel, so HD95 is in (0, 1].
  const shifted = new Uint8Array(mask.length);
  for (let y = 0; y < 512; y++) for (let x = 1; x < 512; x++) shifted[y * 512 + x] = mask[y * 512 + x - 1]!;
  const started = performance.now();
  const hd = new Hd95Metric().compute({ prediction: shifted, target: mask, shape, numClasses: 2 });
  const ms = performance.now() - started;
  assert.ok(hd.perClass[1]! > 0 && hd.perClass[1]! <= 1, `hd95 ${hd.perClass[1]}`);
  const physical = new Hd95Metric().compute({ prediction: shifted, target: mask, shape, numClasses: 2, spacing: [4, 4] });
  assert.equal(physical.perClass[1], hd.perClass[1]! * 4);
  // Two different sections differ substantially.
  const other = await membraneMask(15);
  const cross = new DiceMetric().compute({ prediction: other, target: mask, shape, numClasses: 2 });
  assert.ok(cross.perClass[1]! < 0.7);
  console.log(`hd95 on 512×512, both classes: ${ms.toFixed(0)} ms`);
});

test('loadImageFiles decodes a real EM section and z-scores it', { skip }, async () => {
  const [sample] = await loadImageFiles([path.join(ISBI, 'image', '0.png')], { channels: 1, size: [64, 64], normalize: 'zscore' });
  const img = sample!.image;
  assert.equal(img.length, 64 * 64);
  const mean = img.reduce((a, b) => a + b, 0) / img.length;
  const std = Math.sqrt(img.reduce((a, b) => a + (b - mean) ** 2, 0) / img.length);
  assert.ok(Math.abs(mean) < 1e-4 && Math.abs(std - 1) < 1e-3, `mean ${mean} std ${std}`);
  assert.equal(sample!.id, '0');
});
