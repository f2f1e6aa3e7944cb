import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import sharp from 'sharp';
import { renderOverlay, blendMask, displayRgb } from '../src/figures/overlay';
import { lossCurveSvg, writeLossCurve } from '../src/figures/loss-curve';
import { tempDir } from './fixtures/stage-context';

test('overlay panels: RGB inputs keep their colours, masks are blended, panels sit side by side', async () => {
  const h = 4;
  const w = 4;
  // Left half red, right half blue (already normalized values, negative included).
  const image = new Float32Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    const left = i % w < 2;
    image.set(left ? [1, -1, -1] : [-1, -1, 1], i * 3);
  }
  const rgb = displayRgb(image, h, w, 3);
  assert.deepEqual([...rgb.subarray(0, 3)], [255, 0, 0]);
  assert.deepEqual([...rgb.subarray(3 * 3, 3 * 3 + 3)], [0, 0, 255]);
  const mask = new Uint8Array(h * w).fill(1);
  assert.deepEqual([...blendMask(rgb, mask).subarray(0, 3)], [(255 + 230) >> 1, (0 + 25) >> 1, (0 + 75) >> 1]);

  const file = path.join(await tempDir('overlay'), 'o.png');
  await renderOverlay({ data: image, height: h, width: w, channels: 3 }, [{ title: 'image' }, { title: 'mask', mask }], file, 8);
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.width, 2 * 8 + 4);
  assert.equal(info.height, 8 + 24);
  const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
  assert.deepEqual(px(0, 24), [255, 0, 0], 'image panel, red half');
  assert.deepEqual(px(7, 24), [0, 0, 255], 'image panel, blue half');
  assert.deepEqual(px(12, 24), [242, 12, 37], 'mask panel blends class colour');
});

test('loss curve: one line per loss term (lr and gradNorm left out), rendered to PNG', async () => {
  const history = Array.from({ length: 20 }, (_, i) => ({ step: i + 1, epoch: 0, terms: { ce: 1 / (i + 1), kd: 0.5, lr: 0.01, gradNorm: 3 } }));
  const svg = lossCurveSvg(history, 'teacher');
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
  assert.ok(svg.includes('>ce<') && svg.includes('>kd<') && !svg.includes('>lr<'));
  const file = path.join(await tempDir('curve'), 'c.png');
  await writeLossCurve(history, 'teacher', file);
  const meta = await sharp(file).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, 860);
});
