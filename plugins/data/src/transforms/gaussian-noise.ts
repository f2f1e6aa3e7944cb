import type { Rng, Sample, SampleTransform } from '@graphflow/core';

export interface GaussianNoiseOptions {
  /** Range of the noise standard deviation, drawn once per sample. */
  std: [number, number];
  p: number;
}

export const GAUSSIAN_NOISE_SCHEMA = {
  type: 'object',
  properties: {
    std: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 2, maxItems: 2, default: [0, 0.05], description: 'Range [min,max] of the noise standard deviation.' },
    p: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Probability of applying.' },
  },
  additionalProperties: false,
} as const;

/** Additive zero-mean Gaussian noise on the image; the mask is untouched. Shapes unchanged. */
export class GaussianNoiseTransform implements SampleTransform {
  readonly name = 'gaussian-noise';
  constructor(private readonly options: GaussianNoiseOptions) {}

  apply(sample: Sample, rng: Rng): Sample {
    if (rng.next() >= this.options.p) return sample;
    const std = rng.uniform(this.options.std[0], this.options.std[1]);
    const image = new Float32Array(sample.image.length);
    for (let i = 0; i < image.length; i++) image[i] = sample.image[i]! + rng.normal(0, std);
    return { ...sample, image };
  }
}
