import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { convertChannels, encodeMask, normalize, resizeBilinear, resizeNearest, unionMasks, type Raster } from '../src/index';

const raster = (data: number[], channels = 1, maxValue: number | null = 255): Raster => ({ width: data.length / channels, height: 1, channels, data: Float32Array.from(data), maxValue, file: 'm.png' });

describe('mask encodings', () => {
  it('binary: thresholds at half range by default, at the given threshold, and inverted', () => {
    assert.deepEqual([...encodeMask(raster([0, 127, 128, 255]), { mode: 'binary' }, 2).mask], [0, 0, 1, 1]);
    assert.deepEqual([...encodeMask(raster([0, 127, 128, 255]), { mode: 'binary', threshold: 200 }, 2).mask], [0, 0, 0, 1]);
    assert.deepEqual([...encodeMask(raster([0, 255]), { mode: 'binary', invert: true }, 2).mask], [1, 0]);
    assert.deepEqual([...encodeMask(raster([0, 40000, 65535], 1, 65535), { mode: 'binary' }, 2).mask], [0, 1, 1]);
  });

  it('index: keeps class indices and reports every distinct out-of-range value', () => {
    const ok = encodeMask(raster([0, 1, 2, 8]), { mode: 'index' }, 9);
    assert.deepEqual([...ok.mask], [0, 1, 2, 8]);
    assert.deepEqual(ok.invalid, []);
    assert.deepEqual(encodeMask(raster([0, 3, 9, 255, 9]), { mode: 'index' }, 3).invalid, ['3', '9', '255']);
    assert.deepEqual(encodeMask(raster([0.5]), { mode: 'index' }, 3).invalid, ['0.5']);
  });

  it('palette: maps colours to classes, with tolerance, and names unknown colours', () => {
    const palette: [number, number, number][] = [[0, 0, 0], [255, 0, 0], [0, 255, 0]];
    const r = raster([0, 0, 0, 255, 0, 0, 0, 255, 0, 250, 3, 2], 3);
    assert.deepEqual([...encodeMask(r, { mode: 'palette', palette, tolerance: 6 }, 3).mask], [0, 1, 2, 1]);
    assert.deepEqual(encodeMask(r, { mode: 'palette', palette }, 3).invalid, ['rgb(250,3,2)']);
  });

  it('union merges several masks of one image', () => {
    assert.deepEqual([...unionMasks([Uint8Array.from([0, 1, 0, 0]), Uint8Array.from([0, 0, 1, 0])])], [0, 1, 1, 0]);
  });
});

describe('resizing', () => {
  it('nearest keeps class values only and maps blocks exactly on 2× down/up', () => {
    const m = Uint8Array.from([0, 0, 3, 3, 0, 0, 3, 3, 1, 1, 2, 2, 1, 1, 2, 2]);
    assert.deepEqual([...resizeNearest(m, 4, 4, 2, 2)], [0, 3, 1, 2]);
    assert.deepEqual([...resizeNearest(Uint8Array.from([0, 3, 1, 2]), 2, 2, 4, 4)], [...m]);
  });

  it('bilinear with half-pixel centres: constant stays constant, a ramp stays a ramp', () => {
    const flat = resizeBilinear(new Float32Array(9).fill(0.25), 3, 3, 1, 5, 7);
    assert.ok(flat.every((v) => Math.abs(v - 0.25) < 1e-7));
    const ramp = resizeBilinear(Float32Array.from([0, 1, 2, 3]), 1, 4, 1, 1, 2);
    assert.deepEqual([...ramp], [0.5, 2.5]);
    const up = resizeBilinear(Float32Array.from([0, 4]), 1, 2, 1, 1, 4);
    assert.deepEqual([...up], [0, 1, 3, 4]);
  });
});

describe('channels and normalization', () => {
  it('converts RGB to luma and grey to RGB', () => {
    assert.deepEqual([...convertChannels(Float32Array.from([100, 100, 100, 255, 0, 0]), 2, 3, 1)].map((v) => Math.round(v * 1000) / 1000), [100, 76.245]);
    assert.deepEqual([...convertChannels(Float32Array.from([7, 9]), 2, 1, 3)], [7, 7, 7, 9, 9, 9]);
  });

  it('unit, minmax, zscore, CT window', () => {
    assert.deepEqual([...normalize(Float32Array.from([0, 51, 255]), { mode: 'unit' }, 255)], [...Float32Array.from([0, 0.2, 1])]);
    assert.deepEqual([...normalize(Float32Array.from([2, 4, 6]), { mode: 'minmax' }, null)], [0, 0.5, 1]);
    assert.deepEqual([...normalize(Float32Array.from([1, 3]), { mode: 'zscore' }, null)], [-1, 1]);
    assert.deepEqual([...normalize(Float32Array.from([10, 20]), { mode: 'zscore', mean: 10, std: 5 }, null)], [0, 2]);
    const hu = normalize(Float32Array.from([-1000, -125, 75, 275, 1500]), { mode: 'window', window: [-125, 275] }, null);
    assert.deepEqual([...hu], [0, 0, 0.5, 1, 1]);
    assert.deepEqual([...normalize(Float32Array.from([5, 5]), { mode: 'minmax' }, null)], [0, 0]);
  });
});
