import type { Rng, Sample, SampleTransform } from '@graphflow/core';

export interface GammaOptions {
  gamma: [number, number];
  p: number;
}

export const GAMMA_SCHEMA = {
  type: 'object',
  properties: {
    gamma: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 2, maxItems: 2, default: [0.7, 1.5], description: 'Range of the exponent.' },
    p: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Probability of applying.' },
  },
  additionalProperties: false,
} as const;

/**
 * Gamma curve on intensities in [0,1]: v ← v^γ. Values are clipped to [0,1] first because a power of a
 * negative (z-scored) value is undefined; use it after unit/minmax/window normalization. Mask untouched.
 */
export class GammaTransform implements SampleTransform {
  readonly name = 'gamma';
  constructor(private readonly options: GammaOptions) {}

  apply(sample: Sample, rng: Rng): Sample {
    if (rng.next() >= this.options.p) return sample;
    const g = rng.uniform(this.options.gamma[0], this.options.gamma[1]);
    const image = new Float32Array(sample.image.length);
    for (let i = 0; i < image.length; i++) image[i] = Math.pow(Math.min(Math.max(sample.image[i]!, 0), 1), g);
    return { ...sample, image };
  }
}
