import type { Rng, Sample, SampleTransform } from '@graphflow/core';
import { resampleSample, type Interpolation } from './affine-resample';

export interface RotateOptions {
  /** Angle range in degrees, drawn uniformly. */
  degrees: [number, number];
  p: number;
  interpolation: Interpolation;
}

export const ROTATE_SCHEMA = {
  type: 'object',
  properties: {
    degrees: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, default: [-20, 20], description: 'Range [min,max] of the rotation angle in degrees.' },
    p: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Probability of rotating.' },
    interpolation: { enum: ['bilinear', 'nearest'], default: 'bilinear', description: 'Image interpolation; masks always use nearest.' },
  },
  additionalProperties: false,
} as const;

/** Rotation about the image centre by a random angle; corners brought in from outside are 0 / background. Shapes unchanged. */
export class RotateTransform implements SampleTransform {
  readonly name = 'rotate';
  constructor(private readonly options: RotateOptions) {}

  apply(sample: Sample, rng: Rng): Sample {
    if (rng.next() >= this.options.p) return sample;
    const [lo, hi] = this.options.degrees;
    const angle = (rng.uniform(lo, hi) * Math.PI) / 180;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const cx = sample.width / 2;
    const cy = sample.height / 2;
    return resampleSample(sample, { xx: cos, xy: sin, x0: cx - cos * cx - sin * cy, yx: -sin, yy: cos, y0: cy + sin * cx - cos * cy }, this.options.interpolation);
  }
}
