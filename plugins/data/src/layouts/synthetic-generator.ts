import type { Rng } from '@graphflow/core';

/** Structure types in the order classes are assigned: class 1 = organ, 2 = lesion, 3 = vessel. */
export const SYNTHETIC_CLASS_NAMES: readonly string[] = ['background', 'organ', 'lesion', 'vessel'];

export interface SyntheticImage {
  /** [size,size] intensities in [0,1]. */
  image: Float32Array;
  /** [size,size] class indices < classes. */
  mask: Uint8Array;
}

/** Smooth random texture: a few octaves of bilinearly interpolated lattice noise, values about in [-1,1]. */
function valueNoise(size: number, rng: Rng, octaves: readonly [cells: number, amplitude: number][]): Float32Array {
  const out = new Float32Array(size * size);
  for (const [cells, amp] of octaves) {
    const n = cells + 1;
    const lattice = Float32Array.from({ length: n * n }, () => rng.uniform(-1, 1));
    for (let y = 0; y < size; y++) {
      const fy = (y / size) * cells;
      const y0 = Math.floor(fy);
      const dy = fy - y0;
      for (let x = 0; x < size; x++) {
        const fx = (x / size) * cells;
        const x0 = Math.floor(fx);
        const dx = fx - x0;
        const v = (lattice[y0 * n + x0]! * (1 - dx) + lattice[y0 * n + x0 + 1]! * dx) * (1 - dy) + (lattice[(y0 + 1) * n + x0]! * (1 - dx) + lattice[(y0 + 1) * n + x0 + 1]! * dx) * dy;
        out[y * size + x] += amp * v;
      }
    }
  }
  return out;
}

/** A shape as a signed distance-like function (> 0 inside, in pixels) plus the box outside which it is surely < -1. */
interface Shape {
  inside: (x: number, y: number) => number;
  box: [x0: number, y0: number, x1: number, y1: number];
}

/** A star-shaped blob: radius r(θ) = r0·(1 + Σ a_k cos(kθ + φ_k)), so outlines look organic rather than elliptical. */
function blob(rng: Rng, cx: number, cy: number, r0: number, aspect: number): Shape {
  const harmonics = [2, 3, 5].map((k) => ({ k, a: rng.uniform(0, 0.12), phi: rng.uniform(0, 2 * Math.PI) }));
  const tilt = rng.uniform(0, Math.PI);
  const cos = Math.cos(tilt);
  const sin = Math.sin(tilt);
  // aspect >= 1 squeezes one axis, so r0·(1 + Σa) bounds the radius; +2 covers the soft edge.
  const reach = r0 * (1 + harmonics.reduce((a, h) => a + h.a, 0)) + 2;
  return {
    inside: (x, y) => {
      const u = (x - cx) * cos + (y - cy) * sin;
      const v = ((y - cy) * cos - (x - cx) * sin) * aspect;
      const theta = Math.atan2(v, u);
      let r = r0;
      for (const h of harmonics) r += r0 * h.a * Math.cos(h.k * theta + h.phi);
      return r - Math.hypot(u, v);
    },
    box: [cx - reach, cy - reach, cx + reach, cy + reach],
  };
}

/** A thin curved tube (quadratic Bézier) of the given half-width; value > 0 inside, in pixels. */
function vessel(rng: Rng, size: number, halfWidth: number): Shape {
  const p = Array.from({ length: 3 }, () => [rng.uniform(0.05, 0.95) * size, rng.uniform(0.05, 0.95) * size] as const);
  const samples = Array.from({ length: 48 }, (_, i) => {
    const t = i / 47;
    const a = (1 - t) * (1 - t);
    const b = 2 * (1 - t) * t;
    const c = t * t;
    return [a * p[0]![0] + b * p[1]![0] + c * p[2]![0], a * p[0]![1] + b * p[1]![1] + c * p[2]![1]] as const;
  });
  const xs = samples.map((p) => p[0]);
  const ys = samples.map((p) => p[1]);
  const pad = halfWidth + 2;
  const inside = (x: number, y: number): number => {
    let best = Infinity;
    for (let i = 0; i < samples.length - 1; i++) {
      const [ax, ay] = samples[i]!;
      const [bx, by] = samples[i + 1]!;
      const dx = bx - ax;
      const dy = by - ay;
      const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy || 1)));
      best = Math.min(best, Math.hypot(x - ax - t * dx, y - ay - t * dy));
    }
    return halfWidth - best;
  };
  return { inside, box: [Math.min(...xs) - pad, Math.min(...ys) - pad, Math.max(...xs) + pad, Math.max(...ys) + pad] };
}

/**
 * One ultrasound/CT-like image with a known mask, fully determined by `rng`.
 * Background: low-frequency tissue texture. Class 1: one large organ-like blob, slightly brighter.
 * Class 2: one to three small, low-contrast dark lesions. Class 3: one or two thin bright vessels.
 * Multiplicative speckle and additive noise on top. Small, thin, low-contrast structures are what separate
 * a big teacher from a tiny student; the organ keeps the task learnable within a few hundred steps at 64×64.
 */
export function generateSyntheticImage(size: number, classes: number, rng: Rng): SyntheticImage {
  const n = size * size;
  const texture = valueNoise(size, rng, [[4, 0.5], [8, 0.3], [16, 0.2]]);
  const fine = valueNoise(size, rng, [[Math.max(2, size >> 2), 1]]);
  const image = new Float32Array(n);
  const mask = new Uint8Array(n);
  const base = rng.uniform(0.35, 0.5);
  for (let i = 0; i < n; i++) image[i] = base + 0.08 * texture[i]!;

  const layers: { cls: number; shape: Shape; delta: number }[] = [];
  if (classes > 1) {
    const r0 = size * rng.uniform(0.18, 0.28);
    layers.push({ cls: 1, shape: blob(rng, size * rng.uniform(0.35, 0.65), size * rng.uniform(0.35, 0.65), r0, rng.uniform(1, 1.6)), delta: rng.uniform(0.12, 0.18) });
  }
  if (classes > 2) {
    const count = 1 + rng.int(3);
    for (let k = 0; k < count; k++) {
      layers.push({ cls: 2, shape: blob(rng, size * rng.uniform(0.15, 0.85), size * rng.uniform(0.15, 0.85), size * rng.uniform(0.05, 0.09), rng.uniform(1, 1.4)), delta: -rng.uniform(0.12, 0.18) });
    }
  }
  if (classes > 3) {
    const count = 1 + rng.int(2);
    for (let k = 0; k < count; k++) layers.push({ cls: 3, shape: vessel(rng, size, rng.uniform(1, 1.5) * Math.max(1, size / 64)), delta: rng.uniform(0.18, 0.25) });
  }
  for (const layer of layers) {
    const [bx0, by0, bx1, by1] = layer.shape.box;
    for (let y = Math.max(0, Math.floor(by0)); y < Math.min(size, Math.ceil(by1)); y++) {
      for (let x = Math.max(0, Math.floor(bx0)); x < Math.min(size, Math.ceil(bx1)); x++) {
        const d = layer.shape.inside(x + 0.5, y + 0.5);
        if (d > -1) {
          // Soft 1-pixel edge in the image, hard edge in the mask: boundaries look imaged, labels stay exact.
          const w = Math.min(1, d + 1) * (d > 0 ? 1 : 0.5);
          const i = y * size + x;
          image[i] += w * layer.delta * (1 + 0.3 * fine[i]!);
          if (d > 0) mask[i] = layer.cls;
        }
      }
    }
  }
  const speckle = rng.uniform(0.12, 0.2);
  for (let i = 0; i < n; i++) {
    const v = image[i]! * Math.abs(1 + speckle * rng.normal()) + rng.normal(0, 0.02);
    image[i] = Math.min(1, Math.max(0, v));
  }
  return { image, mask };
}
