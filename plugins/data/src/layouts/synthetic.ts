import { defineComponent, labeledRng } from '@graphflow/core';
import { datasetOptionProperties, datasetRules, type DatasetOptions } from '../dataset/dataset-options';
import type { LayoutScan, SampleEntry } from '../dataset/sample-entry';
import type { SegmentationDataset } from '../dataset/segmentation-dataset';
import { buildFromLayout } from './component-support';
import { generateSyntheticImage, SYNTHETIC_CLASS_NAMES, type SyntheticImage } from './synthetic-generator';

export interface SyntheticLayoutOptions {
  /** Side of the square images in pixels (also the network input size). */
  size: number;
  count: number;
  /** Classes including background: 2 (organ), 3 (+lesion), 4 (+vessel). */
  classes: number;
  /** Generator seed: the images depend on it only, not on the run seed. */
  seed: number;
  /** Consecutive samples sharing a group, like slices of one patient. */
  groupSize: number;
}

export type SyntheticDatasetOptions = SyntheticLayoutOptions & Omit<DatasetOptions, 'size' | 'numClasses' | 'seed' | 'mask'>;

/** Entries whose pixels are generated on demand; sample i is the same for a given seed whatever else changes. */
export function scanSyntheticLayout(o: SyntheticLayoutOptions): LayoutScan {
  const entries: SampleEntry[] = [];
  // Image and mask come from one generation; a few recent ones are kept so reading both does not generate twice.
  const recent = new Map<number, SyntheticImage>();
  const generate = (i: number): SyntheticImage => {
    let g = recent.get(i);
    if (!g) {
      g = generateSyntheticImage(o.size, o.classes, labeledRng(o.seed, 'synthetic', i));
      recent.set(i, g);
      if (recent.size > 16) recent.delete(recent.keys().next().value!);
    }
    return g;
  };
  for (let i = 0; i < o.count; i++) {
    const id = `synthetic${String(i).padStart(4, '0')}`;
    const make = (): SyntheticImage => generate(i);
    entries.push({
      id,
      group: `patient${Math.floor(i / o.groupSize)}`,
      imageFile: `synthetic:${o.seed}/${i}`,
      maskFiles: [`synthetic:${o.seed}/${i}#mask`],
      readImage: async () => ({ width: o.size, height: o.size, channels: 1, data: make().image, maxValue: null, file: id }),
      readMasks: async () => [{ width: o.size, height: o.size, channels: 1, data: Float32Array.from(make().mask), maxValue: null, file: `${id}#mask` }],
    });
  }
  return { root: `synthetic:${o.seed}`, entries, problems: [] };
}

/** The dataset options a synthetic spec implies (sizes and classes come from the generator). */
export function syntheticDatasetOptions(o: SyntheticDatasetOptions): DatasetOptions {
  // The generator seed is not the split seed: the same images are split by whatever run seed is in use.
  const { seed: _generatorSeed, classes, ...rest } = o;
  return { ...rest, size: o.size, numClasses: classes, mask: { mode: 'index' }, classNames: o.classNames ?? SYNTHETIC_CLASS_NAMES.slice(0, classes) } as DatasetOptions;
}

const common = datasetOptionProperties({ channels: 1, normalization: { mode: 'none' } });
// Generated data is small and costs CPU to make: keep it by default.
common.cache = { ...(common.cache as object), default: true };
delete common.size;
delete common.numClasses;
delete common.seed;
delete common.mask;

export const syntheticDataset = defineComponent<SyntheticDatasetOptions, SegmentationDataset>({
  kind: 'dataset',
  name: 'synthetic',
  description: 'Generated ultrasound-like images (textured background, speckle, organ/lesion/vessel structures) with exact masks.',
  docs: [
    'Class 1: one large organ-like blob; class 2: small low-contrast dark lesions; class 3: thin bright vessels (`classes` < 4 keeps the first classes−1).',
    'Deterministic for a given `seed` (split and augmentation follow the run seed). Learnable by a U-Net within a few hundred steps at 64×64;',
    'the small and thin classes are where a compact student falls behind its teacher.',
  ].join('\n'),
  schema: {
    type: 'object',
    properties: {
      size: { type: 'integer', minimum: 16, maximum: 1024, default: 64, description: 'Side of the generated square images in pixels (the network input size).' },
      count: { type: 'integer', minimum: 1, default: 64, description: 'Number of images.' },
      classes: { type: 'integer', minimum: 2, maximum: 4, default: 4, description: 'Classes including background: 2 (organ), 3 (+lesion) or 4 (+vessel).' },
      seed: { type: 'integer', default: 1234, description: 'Seed of the image generator.' },
      groupSize: { type: 'integer', minimum: 1, default: 1, description: 'Consecutive images forming one "patient" group that splits keep together.' },
      ...common,
    },
    additionalProperties: false,
  },
  rules: (o) => datasetRules({ ...o, numClasses: o.classes } as Partial<DatasetOptions>),
  create: (o, ctx) => buildFromLayout(scanSyntheticLayout(o), syntheticDatasetOptions(o), ctx, 'dataset/synthetic'),
});
