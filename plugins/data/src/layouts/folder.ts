import * as path from 'node:path';
import { defineComponent, GraphFlowError, type OptionRuleViolation } from '@graphflow/core';
import { datasetOptionProperties, datasetRules, type DatasetOptions } from '../dataset/dataset-options';
import type { LayoutScan } from '../dataset/sample-entry';
import type { SegmentationDataset } from '../dataset/segmentation-dataset';
import { buildFromLayout } from './component-support';
import { compilePattern, pairFiles } from './pair-files';

export interface FolderLayoutOptions {
  root: string;
  images: string;
  masks: string;
  imagePattern: string;
  maskPattern: string;
  /** Regex on the pairing key; capture group 1 is the group (patient/volume). */
  groupPattern?: string;
}

export type FolderDatasetOptions = FolderLayoutOptions & DatasetOptions;

export const DEFAULT_IMAGE_PATTERN = '^(.+)\\.(?:png|jpe?g|tiff?|gif|webp)$';

function patterns(o: FolderLayoutOptions): { image: RegExp; mask: RegExp; group?: RegExp } | OptionRuleViolation[] {
  const image = compilePattern(o.imagePattern, '/imagePattern');
  const mask = compilePattern(o.maskPattern, '/maskPattern');
  const group = o.groupPattern !== undefined ? compilePattern(o.groupPattern, '/groupPattern') : undefined;
  const bad = [image, mask, group].filter((p): p is OptionRuleViolation => p !== undefined && !(p instanceof RegExp));
  if (bad.length > 0) return bad;
  return { image: image as RegExp, mask: mask as RegExp, ...(group ? { group: group as RegExp } : {}) };
}

/** Find pairs in `root/images` and `root/masks` (or one folder told apart by patterns). */
export async function scanFolderLayout(o: FolderLayoutOptions): Promise<LayoutScan> {
  const p = patterns(o);
  if (Array.isArray(p)) throw new GraphFlowError('GF_OPTIONS_INVALID', 'bad folder patterns', { problems: p.map((v) => ({ code: 'GF_OPTIONS_INVALID' as const, ...v })) });
  const root = path.resolve(o.root);
  const groupRe = p.group;
  const found = await pairFiles({
    imageDir: path.resolve(root, o.images),
    maskDir: path.resolve(root, o.masks),
    imagePattern: p.image,
    maskPattern: p.mask,
    ...(groupRe ? { groupOf: (key: string) => groupRe.exec(key)?.[1] ?? key } : {}),
  });
  return { root, ...found };
}

export const folderDataset = defineComponent<FolderDatasetOptions, SegmentationDataset>({
  kind: 'dataset',
  name: 'folder',
  description: 'Images and masks in folders, paired by configurable file-name patterns (same stem, `_mask` suffixes, other extensions).',
  docs: [
    'Pairs `root/<images>/<name>` with `root/<masks>/<name>` by the key that capture group 1 of `imagePattern` / `maskPattern` extracts.',
    'Examples: same stem, different extension (defaults); `maskPattern: "^(.+)_mask\\\\.png$"` with `masks: "."` and `images: "."`;',
    'several masks per key (e.g. `^(.+?)_mask(?:_\\\\d+)?\\\\.png$`) are merged by union.',
    'Every pair is decoded and checked before training: unreadable files, missing partners, size mismatches and out-of-range mask values',
    'all fail with GF_DATA_INVALID naming each file (or are skipped with `strict: false`).',
  ].join('\n'),
  schema: {
    type: 'object',
    properties: {
      root: { type: 'string', minLength: 1, description: 'Dataset folder (relative to the working directory).' },
      images: { type: 'string', default: 'images', description: 'Image folder, relative to root.' },
      masks: { type: 'string', default: 'masks', description: 'Mask folder, relative to root (may equal `images`).' },
      imagePattern: { type: 'string', default: DEFAULT_IMAGE_PATTERN, description: 'Regex (case-insensitive) on image file names; capture group 1 is the pairing key.' },
      maskPattern: { type: 'string', default: DEFAULT_IMAGE_PATTERN, description: 'Regex on mask file names; capture group 1 is the pairing key.' },
      groupPattern: { type: 'string', description: 'Regex on the key; capture group 1 is the patient/volume group that splits keep together.' },
      ...datasetOptionProperties(),
    },
    required: ['root', 'numClasses'],
    additionalProperties: false,
  },
  rules: (o) => [...(Array.isArray(patterns(o)) ? (patterns(o) as OptionRuleViolation[]) : []), ...datasetRules(o)],
  create: async (o, ctx) => buildFromLayout(await scanFolderLayout(o), o, ctx, 'dataset/folder'),
});
