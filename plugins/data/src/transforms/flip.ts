import type { Rng, Sample, SampleTransform } from '@graphflow/core';

export interface FlipOptions {
  /** Probability of a left-right flip. */
  horizontal: number;
  /** Probability of an up-down flip. */
  vertical: number;
}

export const FLIP_SCHEMA = {
  type: 'object',
  properties: {
    horizontal: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Probability of a left-right flip.' },
    vertical: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Probability of an up-down flip.' },
  },
  additionalProperties: false,
} as const;

/** Random mirror flips, the same for image [H,W,C], mask and roi [H,W]; shapes unchanged. */
export class FlipTransform implements SampleTransform {
  readonly name = 'flip';
  constructor(private readonly options: FlipOptions) {}

  apply(sample: Sample, rng: Rng): Sample {
    const fx = rng.next() < this.options.horizontal;
    const fy = rng.next() < this.options.vertical;
    if (!fx && !fy) return sample;
    const { height: h, width: w, channels: c } = sample;
    const image = new Float32Array(sample.image.length);
    const mask = sample.mask ? new Uint8Array(sample.mask.length) : undefined;
    const roi = sample.roi ? new Uint8Array(sample.roi.length) : undefined;
    for (let y = 0; y < h; y++) {
      const sy = fy ? h - 1 - y : y;
      for (let x = 0; x < w; x++) {
        const sx = fx ? w - 1 - x : x;
        const s = sy * w + sx;
        const o = y * w + x;
        for (let k = 0; k < c; k++) image[o * c + k] = sample.image[s * c + k]!;
        if (mask) mask[o] = sample.mask![s]!;
        if (roi) roi[o] = sample.roi![s]!;
      }
    }
    return { ...sample, image, ...(mask ? { mask } : {}), ...(roi ? { roi } : {}) };
  }
}
