import type { Rng, Sample } from '@graphflow/core';

/** Top-left corner of a patch in sample pixels; negative or past the edge where the patch pads a small image. */
export interface PatchPosition {
  top: number;
  left: number;
  /** Whether it was centred on a foreground pixel. */
  foreground: boolean;
}

/** Random draws before an exact scan: enough for vessel-like foregrounds, exact either way. */
const REJECTION_TRIES = 64;

/**
 * A uniformly chosen pixel index < n satisfying `ok`, or -1 when there is none. Rejection sampling first (cheap on
 * large images), then an exact count-and-select scan, so the result is uniform and a pure function of the generator.
 */
function pickPixel(n: number, ok: (i: number) => boolean, rng: Rng): number {
  for (let t = 0; t < REJECTION_TRIES; t++) {
    const i = rng.int(n);
    if (ok(i)) return i;
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (ok(i)) count++;
  if (count === 0) return -1;
  let k = rng.int(count);
  for (let i = 0; i < n; i++) if (ok(i) && k-- === 0) return i;
  return -1;
}

/**
 * Chooses and cuts fixed-size patches (like MONAI's RandCropByPosNegLabeld): a `foregroundRatio` share centred on a
 * random foreground pixel, the rest on a random ROI pixel, or anywhere when there is no ROI. Positions keep the patch
 * inside the image along every axis where the image is at least as large as the patch; along a smaller axis the image
 * lies somewhere inside the patch and the rest is padding.
 */
export class PatchSampler {
  constructor(
    readonly size: readonly [number, number],
    private readonly foregroundRatio: number,
  ) {}

  position(sample: Sample, rng: Rng): PatchPosition {
    const [ph, pw] = this.size;
    const { height: h, width: w, mask, roi } = sample;
    const top = [Math.min(0, h - ph), Math.max(0, h - ph)] as const;
    const left = [Math.min(0, w - pw), Math.max(0, w - pw)] as const;
    const centred = (p: number, foreground: boolean): PatchPosition => {
      const cy = Math.floor(p / w);
      const cx = p - cy * w;
      return { top: clamp(cy - Math.floor(ph / 2), top), left: clamp(cx - Math.floor(pw / 2), left), foreground };
    };
    // Drawn for every patch, labeled or not, so each later draw has a fixed place in the generator's stream.
    const wantForeground = rng.next() < this.foregroundRatio;
    if (wantForeground && mask) {
      const p = pickPixel(h * w, roi ? (i) => mask[i]! > 0 && roi[i] === 1 : (i) => mask[i]! > 0, rng);
      if (p >= 0) return centred(p, true);
    }
    if (roi) {
      const p = pickPixel(h * w, (i) => roi[i] === 1, rng);
      if (p >= 0) return centred(p, false);
    }
    return { top: top[0] + rng.int(top[1] - top[0] + 1), left: left[0] + rng.int(left[1] - left[0] + 1), foreground: false };
  }

  /** The patch at `at`: image [ph,pw,C], mask and roi [ph,pw]; pixels outside the sample are 0 in all three. */
  cut(sample: Sample, at: PatchPosition): Sample {
    const [ph, pw] = this.size;
    const { height: h, width: w, channels: c } = sample;
    const image = new Float32Array(ph * pw * c);
    const mask = sample.mask ? new Uint8Array(ph * pw) : undefined;
    const pads = at.top < 0 || at.left < 0 || at.top + ph > h || at.left + pw > w;
    // Padding must be marked as not counting even when the dataset has no ROI of its own.
    const roi = sample.roi || pads ? new Uint8Array(ph * pw) : undefined;
    const x0 = Math.max(0, -at.left);
    const x1 = Math.min(pw, w - at.left);
    for (let y = 0; y < ph; y++) {
      const sy = at.top + y;
      if (sy < 0 || sy >= h || x1 <= x0) continue;
      const src = sy * w + at.left;
      image.set(sample.image.subarray((src + x0) * c, (src + x1) * c), (y * pw + x0) * c);
      mask?.set(sample.mask!.subarray(src + x0, src + x1), y * pw + x0);
      if (roi && sample.roi) roi.set(sample.roi.subarray(src + x0, src + x1), y * pw + x0);
      else roi?.fill(1, y * pw + x0, y * pw + x1);
    }
    const { mask: _m, roi: _r, ...rest } = sample;
    return {
      ...rest,
      height: ph,
      width: pw,
      image,
      ...(mask ? { mask } : {}),
      ...(roi ? { roi } : {}),
      meta: { ...(sample.meta ?? {}), patch: { top: at.top, left: at.left, foreground: at.foreground } },
    };
  }
}

function clamp(v: number, [lo, hi]: readonly [number, number]): number {
  return Math.min(Math.max(v, lo), hi);
}
