import type { ComponentSpec, OptionRuleViolation } from '@graphflow/core';
import { ignoreRule, MASK_ENCODING_SCHEMA, type MaskEncoding } from '../mask/mask-encoding';
import { ROI_SCHEMA, roiRules, type RoiOptions } from '../roi/roi-options';
import { PATCHES_SCHEMA, patchRules, type PatchOptions } from './patch-options';
import { NORMALIZATION_SCHEMA, normalizationRule, type Normalization } from '../preprocess/normalize';
import { SPLIT_SCHEMA, splitRules, type SplitOptions } from '../split/split-options';

/** Options every `dataset/*` component shares (layouts add their own, e.g. `root`). */
export interface DatasetOptions {
  numClasses: number;
  classNames?: string[];
  /** Input size [height, width] (or one number for square); null keeps the files' size, which must then be uniform unless patching. */
  size: [number, number] | number | null;
  channels: 1 | 3;
  normalization: Normalization;
  mask: MaskEncoding;
  split: SplitOptions;
  /** Augmentation transforms for training batches, as nested `transform/*` specs. */
  augment: ComponentSpec[];
  /** false: bad pairs are skipped and listed by `skipped()` instead of failing the build. */
  strict: boolean;
  /** Keep decoded, preprocessed samples in memory after first use. */
  cache: boolean;
  /** Folder for an on-disk cache of preprocessed samples (reused across runs); off when absent. */
  cacheDir?: string;
  /** Batches prepared ahead of the consumer. */
  prefetch: number;
  /** Seed for split and augmentation; the run seed when omitted. */
  seed?: number;
  /** Files decoded at once while scanning. */
  scanConcurrency: number;
  /** Train on patches of the whole samples; whole images when absent. */
  patches?: PatchOptions;
  /** Region of interest (pixels outside count nowhere); every pixel counts when absent. */
  roi?: RoiOptions;
}

/** JSON-Schema properties of DatasetOptions, with defaults a layout may override. */
export function datasetOptionProperties(defaults: { numClasses?: number; channels?: 1 | 3; normalization?: Normalization; mask?: MaskEncoding; split?: Partial<SplitOptions> } = {}): Record<string, unknown> {
  return {
    numClasses: { type: 'integer', minimum: 2, maximum: 255, ...(defaults.numClasses ? { default: defaults.numClasses } : {}), description: 'Number of classes including background; mask values are checked against it.' },
    classNames: { type: 'array', items: { type: 'string' }, description: 'Class names, index 0 first (background); length must equal numClasses.' },
    size: {
      description: 'Input size: [height, width], one number for square, or null to keep the files\' size (which must be uniform unless `patches` is set: then each image keeps its own). Images are resized bilinearly, masks by nearest neighbour.',
      oneOf: [{ type: 'integer', minimum: 1 }, { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 }, { type: 'null' }],
      default: null,
    },
    channels: { enum: [1, 3], default: defaults.channels ?? 1, description: 'Channels fed to the network: 1 (grey; RGB files are converted by luma) or 3 (RGB; grey files are replicated).' },
    normalization: { ...NORMALIZATION_SCHEMA, default: defaults.normalization ?? NORMALIZATION_SCHEMA.default },
    mask: { ...MASK_ENCODING_SCHEMA, default: defaults.mask ?? MASK_ENCODING_SCHEMA.default },
    split: { ...SPLIT_SCHEMA, default: defaults.split ?? SPLIT_SCHEMA.default },
    augment: { type: 'array', items: { type: 'object', gfComponent: 'transform', description: 'A transform/* spec.' }, default: [], description: 'Augmentations for training batches, applied in order, identically to image and mask, seeded per epoch and sample.' },
    strict: { type: 'boolean', default: true, description: 'true: any bad file fails the build listing all of them; false: bad pairs are skipped and listed in the run report.' },
    cache: { type: 'boolean', default: false, description: 'Keep decoded, preprocessed samples in memory (fast epochs, costs H·W·C·4 bytes per sample).' },
    cacheDir: { type: 'string', minLength: 1, description: 'Folder for an on-disk cache of decoded, resized, normalized samples, reused across runs (keyed by source files, their size/mtime and the preprocessing options); off when omitted.' },
    prefetch: { type: 'integer', minimum: 0, default: 2, description: 'Batches prepared ahead of training.' },
    seed: { type: 'integer', description: 'Seed for splitting and augmentation; the run seed when omitted.' },
    scanConcurrency: { type: 'integer', minimum: 1, default: 4, description: 'Files decoded at once during the up-front scan.' },
    patches: PATCHES_SCHEMA,
    roi: ROI_SCHEMA,
  };
}

/** `layout.roiFiles`: the layout pairs ROI files (only the folder layout does), so `roi.mode: 'files'` is allowed. */
export function datasetRules(o: Partial<DatasetOptions>, layout: { roiFiles: boolean } = { roiFiles: false }): OptionRuleViolation[] {
  const out: OptionRuleViolation[] = [];
  if (o.classNames && o.numClasses !== undefined && o.classNames.length !== o.numClasses) {
    out.push({ pointer: '/classNames', message: `${o.classNames.length} class name(s) for numClasses ${o.numClasses}`, expected: `${o.numClasses} names` });
  }
  if (o.normalization) {
    const msg = normalizationRule(o.normalization);
    if (msg) out.push({ pointer: '/normalization', message: msg });
    for (const key of ['mean', 'std', 'clip'] as const) {
      const v = (o.normalization as Record<string, unknown>)[key];
      if (Array.isArray(v) && o.channels !== undefined && v.length !== 1 && v.length !== o.channels) {
        out.push({ pointer: `/normalization/${key}`, message: `${v.length} value(s) for ${o.channels} channel(s)`, expected: `1 or ${o.channels} values` });
      }
    }
  }
  if (o.mask?.mode === 'palette' && (!o.mask.palette || o.mask.palette.length === 0)) out.push({ pointer: '/mask/palette', message: 'palette mode needs a palette', expected: 'one [r,g,b] per class' });
  if (o.mask?.mode === 'palette' && o.numClasses !== undefined && o.mask.palette && o.mask.palette.length !== o.numClasses) {
    out.push({ pointer: '/mask/palette', message: `${o.mask.palette.length} colour(s) for numClasses ${o.numClasses}`, expected: `${o.numClasses} colours` });
  }
  if (o.mask) {
    const msg = ignoreRule(o.mask);
    if (msg) out.push({ pointer: '/mask/ignore', message: msg });
  }
  out.push(...splitRules(o.split));
  out.push(...patchRules(o.patches, o.size));
  out.push(...roiRules(o.roi, layout));
  return out;
}

/** Fill defaults for direct (non-manifest) use, mirroring the schema defaults. */
export function withDatasetDefaults(o: Partial<DatasetOptions> & { numClasses: number }): DatasetOptions {
  return {
    size: null,
    channels: 1,
    normalization: { mode: 'unit' },
    mask: { mode: 'binary' },
    augment: [],
    strict: true,
    cache: false,
    prefetch: 2,
    scanConcurrency: 4,
    ...o,
    split: { ratios: { train: 0.7, val: 0.15, test: 0.15 }, shuffle: true, labeledFraction: 1, ...(o.split ?? {}) },
  };
}
