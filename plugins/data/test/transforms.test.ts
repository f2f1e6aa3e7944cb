import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deriveRng, type Sample, type SampleTransform } from '@graphflow/core';
import {
  AnnotationNoiseTransform,
  BrightnessContrastTransform,
  FlipTransform,
  GammaTransform,
  GaussianNoiseTransform,
  RandomScaleCropTransform,
  Rot90Transform,
  RotateTransform,
} from '../src/index';

/** A 24×20 sample whose mask is exactly `image > 0.5`: any misalignment between image and mask breaks that. */
function thresholdSample(): Sample {
  const h = 24;
  const w = 20;
  const image = new Float32Array(h * w);
  const mask = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // An asymmetric L-shape plus a dot, so flips and turns are all distinguishable.
      const on = (x >= 3 && x < 8 && y >= 2 && y < 18) || (x >= 3 && x < 15 && y >= 14 && y < 18) || (x === 16 && y === 4);
      image[y * w + x] = on ? 0.9 : 0.1;
      mask[y * w + x] = on ? 1 : 0;
    }
  }
  return { id: 's', group: 'g', height: h, width: w, channels: 1, image, mask };
}

function square(): Sample {
  const s = thresholdSample();
  const n = 20;
  const image = new Float32Array(n * n);
  const mask = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    image[y * n + x] = s.image[y * s.width + x]!;
    mask[y * n + x] = s.mask![y * s.width + x]!;
  }
  return { ...s, height: n, width: n, image, mask };
}

const thresholded = (s: Sample): number[] => [...s.image].map((v) => (v > 0.5 ? 1 : 0));

describe('geometric transforms keep image and mask aligned', () => {
  const cases: [string, SampleTransform, Sample][] = [
    ['flip', new FlipTransform({ horizontal: 1, vertical: 1 }), thresholdSample()],
    ['rot90 (square)', new Rot90Transform({ p: 1 }), square()],
    ['rot90 (non-square → half turn)', new Rot90Transform({ p: 1 }), thresholdSample()],
    ['rotate (nearest)', new RotateTransform({ degrees: [-40, 40], p: 1, interpolation: 'nearest' }), thresholdSample()],
    ['random-scale-crop (nearest)', new RandomScaleCropTransform({ scale: [0.7, 1.6], p: 1, interpolation: 'nearest' }), thresholdSample()],
  ];
  for (const [name, t, input] of cases) {
    it(`${name}: mask equals the thresholded image for 20 seeds`, () => {
      let changed = 0;
      for (let seed = 0; seed < 20; seed++) {
        const out = t.apply(input, deriveRng(seed, 'aug'));
        assert.equal(out.image.length, input.image.length);
        assert.deepEqual(thresholded(out), [...out.mask!]);
        if (out.mask!.some((v, i) => v !== input.mask![i])) changed++;
      }
      assert.ok(changed >= 15, `${name} changed the sample in only ${changed}/20 draws`);
    });
  }

  it('rotate and scale with bilinear images stay aligned up to edge pixels', () => {
    for (const t of [new RotateTransform({ degrees: [-30, 30], p: 1, interpolation: 'bilinear' }), new RandomScaleCropTransform({ scale: [0.8, 1.4], p: 1, interpolation: 'bilinear' })]) {
      for (let seed = 0; seed < 10; seed++) {
        const out = t.apply(thresholdSample(), deriveRng(seed, 'bilinear'));
        const a = thresholded(out);
        const disagree = a.filter((v, i) => v !== out.mask![i]).length;
        const fg = out.mask!.reduce((s, v) => s + v, 0);
        assert.ok(disagree <= Math.max(4, 0.2 * fg), `${t.name} seed ${seed}: ${disagree} of ${fg} foreground pixels disagree`);
      }
    }
  });

  it('flip is an exact mirror', () => {
    const s = thresholdSample();
    const out = new FlipTransform({ horizontal: 1, vertical: 0 }).apply(s, deriveRng(1, 'x'));
    for (let y = 0; y < s.height; y++) for (let x = 0; x < s.width; x++) assert.equal(out.mask![y * s.width + x], s.mask![y * s.width + (s.width - 1 - x)]);
  });

  it('the same seed gives the same result; p = 0 returns the input', () => {
    const t = new RotateTransform({ degrees: [-30, 30], p: 1, interpolation: 'bilinear' });
    assert.deepEqual(t.apply(thresholdSample(), deriveRng(5, 'a')).image, t.apply(thresholdSample(), deriveRng(5, 'a')).image);
    const s = thresholdSample();
    assert.equal(new RotateTransform({ degrees: [-30, 30], p: 0, interpolation: 'bilinear' }).apply(s, deriveRng(5, 'a')), s);
  });
});

describe('intensity transforms change the image only', () => {
  it('brightness/contrast: exact formula, mask untouched', () => {
    const s = thresholdSample();
    const out = new BrightnessContrastTransform({ brightness: [0.1, 0.1], contrast: [2, 2], p: 1 }).apply(s, deriveRng(0, 'b'));
    const mean = s.image.reduce((a, b) => a + b, 0) / s.image.length;
    assert.ok(Math.abs(out.image[0]! - ((0.1 - mean) * 2 + mean + 0.1)) < 1e-6);
    assert.equal(out.mask, s.mask);
  });

  it('gamma: v^γ on [0,1]', () => {
    const s = thresholdSample();
    const out = new GammaTransform({ gamma: [2, 2], p: 1 }).apply(s, deriveRng(0, 'g'));
    assert.ok(Math.abs(out.image[0]! - 0.01) < 1e-6);
    assert.equal(out.mask, s.mask);
  });

  it('gaussian noise: zero mean, requested std, mask untouched', () => {
    const s = thresholdSample();
    const out = new GaussianNoiseTransform({ std: [0.1, 0.1], p: 1 }).apply(s, deriveRng(0, 'n'));
    const d = out.image.map((v, i) => v - s.image[i]!);
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
    assert.ok(Math.abs(std - 0.1) < 0.015, `std ${std}`);
    assert.equal(out.mask, s.mask);
  });
});

describe('transform/annotation-noise', () => {
  /** 30×30: background 0, a 14×14 organ (class 1) holding a 4×4 lesion (class 2), and a lone 3×3 lesion. */
  function scene(id = 'scan-1'): Sample {
    const n = 30;
    const mask = new Uint8Array(n * n);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
      if (x >= 4 && x < 18 && y >= 4 && y < 18) mask[y * n + x] = 1;
      if (x >= 9 && x < 13 && y >= 9 && y < 13) mask[y * n + x] = 2;
      if (x >= 23 && x < 26 && y >= 23 && y < 26) mask[y * n + x] = 2;
    }
    return { id, group: 'g', height: n, width: n, channels: 1, image: Float32Array.from(mask, (v) => v / 2), mask };
  }
  const count = (m: Uint8Array, cls: number): number => m.reduce((a, v) => a + (v === cls ? 1 : 0), 0);
  const rng = deriveRng(1, 'unused');

  it('is fixed per image and seed, ignores the augmentation stream, and leaves the image alone', () => {
    const t = new AnnotationNoiseTransform({ boundary: 2, miss: 0.3, classes: [], seed: 5 });
    const a = t.apply(scene(), deriveRng(1, 'epoch0'));
    const b = t.apply(scene(), deriveRng(2, 'epoch1'));
    assert.deepEqual(a.mask, b.mask);
    assert.deepEqual(a.image, scene().image);
    const others = [6, 7, 8, 9].map((seed) => new AnnotationNoiseTransform({ boundary: 2, miss: 0.3, classes: [], seed }).apply(scene(), rng).mask);
    assert.ok(others.some((m) => m!.some((v, i) => v !== a.mask![i])), 'another annotator seed should draw other errors');
  });

  it('boundary 0 and miss 0 keep the mask exactly; samples without a mask pass through', () => {
    const exact = new AnnotationNoiseTransform({ boundary: 0, miss: 0, classes: [], seed: 1 }).apply(scene(), rng);
    assert.deepEqual(exact.mask, scene().mask);
    const { mask: _m, ...unlabeled } = scene();
    assert.equal(new AnnotationNoiseTransform({ boundary: 2, miss: 1, classes: [], seed: 1 }).apply(unlabeled, rng), unlabeled);
  });

  it('miss 1 replaces each structure by what surrounds it: the lesion inside the organ becomes organ', () => {
    const lesionsOnly = new AnnotationNoiseTransform({ boundary: 0, miss: 1, classes: [2], seed: 1 }).apply(scene(), rng).mask!;
    assert.equal(count(lesionsOnly, 2), 0);
    assert.equal(count(lesionsOnly, 1), 14 * 14);
    assert.equal(count(lesionsOnly, 0), 30 * 30 - 14 * 14);
  });

  it('outlines move by whole pixels within ±boundary, never into another structure', () => {
    for (let seed = 0; seed < 12; seed++) {
      const m = new AnnotationNoiseTransform({ boundary: 1, miss: 0, classes: [2], seed }).apply(scene(`s${seed}`), rng).mask!;
      // The lone 3×3 lesion shrinks to 1×1, stays 3×3 or grows by one 4-neighbour ring (5×5 minus its corners: 21).
      const lone = (x0: number, x1: number) => { let k = 0; for (let y = 20; y < 30; y++) for (let x = x0; x < x1; x++) k += m[y * 30 + x] === 2 ? 1 : 0; return k; };
      assert.ok([1, 9, 21].includes(lone(20, 30)), `lone lesion area ${lone(20, 30)}`);
      // The inner lesion grows only over organ and shrinks back to organ: the organ's outline is untouched, and
      // background changes only right around the lone lesion.
      scene().mask!.forEach((was, i) => {
        const [y, x] = [Math.floor(i / 30), i % 30];
        if (was === 1) assert.ok(m[i] === 1 || m[i] === 2, `organ pixel ${i} became ${m[i]}`);
        if (was === 0 && !(y >= 22 && y < 27 && x >= 22 && x < 27)) assert.equal(m[i], 0, `background pixel ${i}`);
      });
      const inner = count(m, 2) - lone(20, 30);
      assert.ok([4, 16, 32].includes(inner), `inner lesion area ${inner}`);
    }
  });
});
