import type { OptionRuleViolation } from '@graphflow/core';

/** Partitions that can be served as patches: the ones training batches come from. */
export type PatchPartition = 'train' | 'unlabeled';

/**
 * Training on random patches cut from whole preprocessed samples (native resolution when `size` is null),
 * as for thin structures (retinal vessels) that resizing whole images would erase.
 */
export interface PatchOptions {
  /** Patch [height, width], or one number for square. */
  size: number | [number, number];
  /** Patches per image and epoch. */
  perImage: number;
  /** Fraction of patches centred on a foreground pixel (mask > 0, inside the ROI); the rest are placed uniformly. */
  foregroundRatio: number;
  /** Pad images smaller than the patch (padding counts nowhere: image 0, mask 0, roi 0); false makes them an error. */
  pad: boolean;
  partitions: PatchPartition[];
}

export const PATCHES_SCHEMA = {
  type: 'object',
  description:
    'Train on random patches of the whole preprocessed samples instead of whole images (absent: whole images). '
    + 'Each epoch of batches() of the listed partitions yields size × perImage patches in a seeded, shuffled order; '
    + 'augmentations run on the patches. Validation, test and samples() keep whole images.',
  properties: {
    size: {
      description: 'Patch size: [height, width] or one number for square; the network input size when patching.',
      oneOf: [{ type: 'integer', minimum: 1 }, { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 }],
    },
    perImage: { type: 'integer', minimum: 1, default: 1, description: 'Patches cut from each image per epoch.' },
    foregroundRatio: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'Fraction of patches centred on a foreground pixel (mask > 0 and inside the ROI), as MONAI RandCropByPosNegLabeld; the rest are uniform over the valid positions (centred inside the ROI when there is one). Unlabeled patches are always of the second kind.',
    },
    pad: { type: 'boolean', default: true, description: 'true: images smaller than the patch are zero-padded and the padding is outside the ROI (never counted); false: such images fail the build.' },
    partitions: {
      type: 'array',
      items: { enum: ['train', 'unlabeled'] },
      uniqueItems: true,
      minItems: 1,
      default: ['train', 'unlabeled'],
      description: 'Partitions whose batches are patches.',
    },
  },
  required: ['size'],
  additionalProperties: false,
} as const;

export function patchSize(p: PatchOptions): [number, number] {
  return typeof p.size === 'number' ? [p.size, p.size] : [p.size[0], p.size[1]];
}

/** Defaults for direct (non-manifest) callers, mirroring the schema. */
export function withPatchDefaults(p: Partial<PatchOptions> & Pick<PatchOptions, 'size'>): PatchOptions {
  return { perImage: 1, foregroundRatio: 0.5, pad: true, partitions: ['train', 'unlabeled'], ...p };
}

export function patchRules(p: Partial<PatchOptions> | undefined, size: [number, number] | number | null | undefined): OptionRuleViolation[] {
  if (!p || p.size === undefined || size === null || size === undefined || p.pad !== false) return [];
  const [ph, pw] = patchSize(p as PatchOptions);
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  // With a fixed input size every image is resized to it, so this is known before any file is read.
  if (ph > h || pw > w) return [{ pointer: '/patches/size', message: `patch ${ph}×${pw} is larger than the input size ${h}×${w} and pad is false`, expected: `at most ${h}×${w}, or pad: true` }];
  return [];
}
