import type { Rng, Sample, SampleTransform } from '@graphflow/core';

export interface BrightnessContrastOptions {
  /** Additive shift range, in normalized intensity units. */
  brightness: [number, number];
  /** Multiplicative range for the deviation from the image mean. */
  contrast: [number, number];
  p: number;
}

export const BRIGHTNESS_CONTRAST_SCHEMA = {
  type: 'object',
  properties: {
    brightness: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, default: [-0.1, 0.1], description: 'Range of the value added to every pixel.' },
    contrast: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 2, maxItems: 2, default: [0.8, 1.2], description: 'Range of the factor applied to (pixel - image mean).' },
    p: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Probability of applying.' },
  },
  additionalProperties: false,
} as const;

/** image ← (image − mean)·contrast + mean + brightness; the mask is untouched. Shapes unchanged. */
export class BrightnessContrastTransform implements SampleTransform {
  readonly name = 'brightness-contrast';
  constructor(private readonly options: BrightnessContrastOptions) {}

  apply(sample: Sample, rng: Rng): Sample {
    if (rng.next() >= this.options.p) return sample;
    const b = rng.uniform(this.options.brightness[0], this.options.brightness[1]);
    const k = rng.uniform(this.options.contrast[0], this.options.contrast[1]);
    let mean = 0;
    for (const v of sample.image) mean += v;
    mean /= sample.image.length;
    const image = new Float32Array(sample.image.length);
    for (let i = 0; i < image.length; i++) image[i] = (sample.image[i]! - mean) * k + mean + b;
    return { ...sample, image };
  }
}
