import { defineComponent, type ComponentDefinition, type SampleTransform } from '@graphflow/core';
import { AnnotationNoiseTransform, ANNOTATION_NOISE_SCHEMA, type AnnotationNoiseOptions } from './annotation-noise';
import { BrightnessContrastTransform, BRIGHTNESS_CONTRAST_SCHEMA, type BrightnessContrastOptions } from './brightness-contrast';
import { FlipTransform, FLIP_SCHEMA, type FlipOptions } from './flip';
import { GammaTransform, GAMMA_SCHEMA, type GammaOptions } from './gamma';
import { GaussianNoiseTransform, GAUSSIAN_NOISE_SCHEMA, type GaussianNoiseOptions } from './gaussian-noise';
import { RandomScaleCropTransform, RANDOM_SCALE_CROP_SCHEMA, type RandomScaleCropOptions } from './random-scale-crop';
import { Rot90Transform, ROT90_SCHEMA, type Rot90Options } from './rot90';
import { RotateTransform, ROTATE_SCHEMA, type RotateOptions } from './rotate';

const rangeRule = (pointer: string, r: [number, number] | undefined): { pointer: string; message: string; expected: string }[] =>
  r && r[0] > r[1] ? [{ pointer, message: `range [${r[0]}, ${r[1]}] is reversed`, expected: '[min, max] with min <= max' }] : [];

/** Every `transform/*` component this plugin registers. */
export const transformComponents: ComponentDefinition<never, SampleTransform>[] = [
  defineComponent<FlipOptions, SampleTransform>({
    kind: 'transform',
    name: 'flip',
    description: 'Random horizontal/vertical flips, same for image and mask.',
    schema: FLIP_SCHEMA,
    create: (o) => new FlipTransform(o),
  }),
  defineComponent<Rot90Options, SampleTransform>({
    kind: 'transform',
    name: 'rot90',
    description: 'Random rotation by a multiple of 90° (half turns only for non-square images).',
    schema: ROT90_SCHEMA,
    create: (o) => new Rot90Transform(o),
  }),
  defineComponent<RotateOptions, SampleTransform>({
    kind: 'transform',
    name: 'rotate',
    description: 'Random rotation by an angle from a range; bilinear image, nearest mask, zero fill.',
    schema: ROTATE_SCHEMA,
    rules: (o) => rangeRule('/degrees', o.degrees),
    create: (o) => new RotateTransform(o),
  }),
  defineComponent<RandomScaleCropOptions, SampleTransform>({
    kind: 'transform',
    name: 'random-scale-crop',
    description: 'Random zoom (scale range) at a random position, output at the same size.',
    schema: RANDOM_SCALE_CROP_SCHEMA,
    rules: (o) => rangeRule('/scale', o.scale),
    create: (o) => new RandomScaleCropTransform(o),
  }),
  defineComponent<BrightnessContrastOptions, SampleTransform>({
    kind: 'transform',
    name: 'brightness-contrast',
    description: 'Random brightness shift and contrast factor on the image only.',
    schema: BRIGHTNESS_CONTRAST_SCHEMA,
    rules: (o) => [...rangeRule('/brightness', o.brightness), ...rangeRule('/contrast', o.contrast)],
    create: (o) => new BrightnessContrastTransform(o),
  }),
  defineComponent<GammaOptions, SampleTransform>({
    kind: 'transform',
    name: 'gamma',
    description: 'Random gamma curve on [0,1] intensities, image only.',
    schema: GAMMA_SCHEMA,
    rules: (o) => rangeRule('/gamma', o.gamma),
    create: (o) => new GammaTransform(o),
  }),
  defineComponent<GaussianNoiseOptions, SampleTransform>({
    kind: 'transform',
    name: 'gaussian-noise',
    description: 'Additive Gaussian noise with a random standard deviation, image only.',
    schema: GAUSSIAN_NOISE_SCHEMA,
    rules: (o) => rangeRule('/std', o.std),
    create: (o) => new GaussianNoiseTransform(o),
  }),
  defineComponent<AnnotationNoiseOptions, SampleTransform>({
    kind: 'transform',
    name: 'annotation-noise',
    description: 'Simulated annotation errors on training masks: outlines shifted by a few pixels, some structures missed; fixed per image.',
    docs: 'Real manual masks are drawn once, by a person, with outlines a pixel or two off and small structures sometimes missed. This transform gives exact (e.g. synthetic) masks such flaws, for training batches only (augmentation never runs on validation, test or evaluation), and fixes them per image by `seed` and the sample id, so every epoch sees the same flawed annotation; list it first in `augment`, before geometric transforms, to keep it so. Useful for studying robustness to label noise and what a teacher’s soft predictions add over the masks.',
    schema: ANNOTATION_NOISE_SCHEMA,
    create: (o) => new AnnotationNoiseTransform(o),
  }),
] as unknown as ComponentDefinition<never, SampleTransform>[];
