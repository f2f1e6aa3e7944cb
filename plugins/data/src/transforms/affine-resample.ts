import type { Sample } from '@graphflow/core';

/**
 * Affine map from an output pixel position (x, y) to the input position it samples:
 * sx = xx·x + xy·y + x0, sy = yx·x + yy·y + y0 (pixel units, origin at the top-left corner).
 */
export interface InverseAffine {
  xx: number;
  xy: number;
  x0: number;
  yx: number;
  yy: number;
  y0: number;
}

export type Interpolation = 'bilinear' | 'nearest';

/**
 * Resample a sample's image and mask through the same geometric map so they stay aligned.
 * The image uses `interpolation`, the mask always nearest (class indices must not blend);
 * pixels mapped from outside the input become 0 in the image, background (0) in the mask and 0 (not counted) in the roi.
 * Shapes are unchanged: image [H,W,C], mask and roi [H,W].
 */
export function resampleSample(sample: Sample, m: InverseAffine, interpolation: Interpolation): Sample {
  const { height: h, width: w, channels: c } = sample;
  const image = new Float32Array(h * w * c);
  const srcMask = sample.mask;
  const mask = srcMask ? new Uint8Array(h * w) : undefined;
  const srcRoi = sample.roi;
  const roi = srcRoi ? new Uint8Array(h * w) : undefined;
  const src = sample.image;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Sample at pixel centres.
      const sx = m.xx * (x + 0.5) + m.xy * (y + 0.5) + m.x0;
      const sy = m.yx * (x + 0.5) + m.yy * (y + 0.5) + m.y0;
      const o = y * w + x;
      const nx = Math.floor(sx);
      const ny = Math.floor(sy);
      const inside = nx >= 0 && ny >= 0 && nx < w && ny < h;
      if (mask && inside) mask[o] = srcMask![ny * w + nx]!;
      if (roi && inside) roi[o] = srcRoi![ny * w + nx]!;
      if (interpolation === 'nearest') {
        if (inside) for (let k = 0; k < c; k++) image[o * c + k] = src[(ny * w + nx) * c + k]!;
        continue;
      }
      const fx = sx - 0.5;
      const fy = sy - 0.5;
      if (fx <= -1 || fy <= -1 || fx >= w || fy >= h) continue;
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const dx = fx - x0;
      const dy = fy - y0;
      // Taps outside the image contribute 0, which fades edges into the zero fill.
      const w00 = x0 >= 0 && y0 >= 0 ? (1 - dx) * (1 - dy) : 0;
      const w01 = x0 + 1 < w && y0 >= 0 ? dx * (1 - dy) : 0;
      const w10 = x0 >= 0 && y0 + 1 < h ? (1 - dx) * dy : 0;
      const w11 = x0 + 1 < w && y0 + 1 < h ? dx * dy : 0;
      const i00 = (y0 * w + x0) * c;
      const i10 = i00 + w * c;
      for (let k = 0; k < c; k++) {
        let acc = 0;
        if (w00 !== 0) acc += w00 * src[i00 + k]!;
        if (w01 !== 0) acc += w01 * src[i00 + c + k]!;
        if (w10 !== 0) acc += w10 * src[i10 + k]!;
        if (w11 !== 0) acc += w11 * src[i10 + c + k]!;
        image[o * c + k] = acc;
      }
    }
  }
  return { ...sample, image, ...(mask ? { mask } : {}), ...(roi ? { roi } : {}) };
}
