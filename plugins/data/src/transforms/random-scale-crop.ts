import type { Rng, Sample, SampleTransform } from '@graphflow/core';
import { resampleSample, type Interpolation } from './affine-resample';

export interface RandomScaleCropOptions {
  /** Zoom factor range: > 1 crops a smaller window and enlarges it, < 1 shrinks the image inside a zero border. */
  scale: [number, number];
  p: number;
  interpolation: Interpolation;
}

export const RANDOM_SCALE_CROP_SCHEMA = {
  type: 'object',
  properties: {
    scale: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 2, maxItems: 2, default: [0.9, 1.2], description: 'Range [min,max] of the zoom factor; >1 is a random crop resized back to full size.' },
    p: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Probability of applying.' },
    interpolation: { enum: ['bilinear', 'nearest'], default: 'bilinear', description: 'Image interpolation; masks always use nearest.' },
  },
  additionalProperties: false,
} as const;

/**
 * Random zoom with a random window position, output at the input size (image [H,W,C], mask [H,W]).
 * When zooming in, the window stays inside the image so no border is invented.
 */
export class RandomScaleCropTransform implements SampleTransform {
  readonly name = 'random-scale-crop';
  constructor(private readonly options: RandomScaleCropOptions) {}

  apply(sample: Sample, rng: Rng): Sample {
    if (rng.next() >= this.options.p) return sample;
    const s = rng.uniform(this.options.scale[0], this.options.scale[1]);
    const { width: w, height: h } = sample;
    // The window is w/s × h/s; its top-left corner may move anywhere that keeps it inside (or, for s<1, around) the image.
    const ox = rng.next() * (w - w / s);
    const oy = rng.next() * (h - h / s);
    return resampleSample(sample, { xx: 1 / s, xy: 0, x0: ox, yx: 0, yy: 1 / s, y0: oy }, this.options.interpolation);
  }
}
