import type { Rng, Sample, SampleTransform } from '@graphflow/core';

export interface Rot90Options {
  /** Probability of rotating at all; the number of quarter turns (1–3) is then uniform. */
  p: number;
}

export const ROT90_SCHEMA = {
  type: 'object',
  properties: { p: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Probability of a rotation by a random multiple of 90°.' } },
  additionalProperties: false,
} as const;

/**
 * Random rotation by k·90°, lossless, same for image [H,W,C], mask and roi [H,W].
 * Non-square samples only take half turns, so the batch shape never changes.
 */
export class Rot90Transform implements SampleTransform {
  readonly name = 'rot90';
  constructor(private readonly options: Rot90Options) {}

  apply(sample: Sample, rng: Rng): Sample {
    if (rng.next() >= this.options.p) return sample;
    const square = sample.height === sample.width;
    const k = square ? 1 + rng.int(3) : 2;
    const { height: h, width: w, channels: c } = sample;
    const image = new Float32Array(sample.image.length);
    const mask = sample.mask ? new Uint8Array(sample.mask.length) : undefined;
    const roi = sample.roi ? new Uint8Array(sample.roi.length) : undefined;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // Output (x,y) reads the input pixel that a counter-clockwise quarter turn k times brings here.
        let sx = x;
        let sy = y;
        if (k === 1) { sx = w - 1 - y; sy = x; }
        else if (k === 2) { sx = w - 1 - x; sy = h - 1 - y; }
        else if (k === 3) { sx = y; sy = h - 1 - x; }
        const s = sy * w + sx;
        const o = y * w + x;
        for (let ch = 0; ch < c; ch++) image[o * c + ch] = sample.image[s * c + ch]!;
        if (mask) mask[o] = sample.mask![s]!;
        if (roi) roi[o] = sample.roi![s]!;
      }
    }
    return { ...sample, image, ...(mask ? { mask } : {}), ...(roi ? { roi } : {}) };
  }
}
