import * as path from 'node:path';
import { defineComponent, GraphFlowError, type OptionRuleViolation } from '@graphflow/core';
import { datasetOptionProperties, datasetRules, type DatasetOptions } from '../dataset/dataset-options';
import type { LayoutProblem, LayoutScan, SampleEntry } from '../dataset/sample-entry';
import type { SegmentationDataset } from '../dataset/segmentation-dataset';
import type { RoiOptions } from '../roi/roi-options';
import { buildFromLayout, checkLayoutFiles } from './component-support';
import { compilePattern, DEFAULT_IMAGE_PATTERN, pairFiles } from './pair-files';

/** One image/mask folder pair of a dataset published as several (e.g. `training/` and `test/`). */
export interface FolderSource {
  images: string;
  masks: string;
  /** Default: the layout's `imagePattern`. */
  imagePattern?: string;
  maskPattern?: string;
  groupPattern?: string;
  /** Pin every pair of this source to a partition (an official test set); split by `split` when absent. */
  partition?: 'train' | 'val' | 'test';
  /** Prefix of this source's sample ids and groups, keeping equal file names of two sources apart. */
  idPrefix?: string;
  /** Folder of this source's ROI files (roi.mode 'files'), relative to root; default `roi.dir`. */
  roiDir?: string;
}

export interface FolderLayoutOptions {
  root: string;
  images: string;
  masks: string;
  imagePattern: string;
  maskPattern: string;
  /** Regex on the pairing key; capture group 1 is the group (patient/volume). */
  groupPattern?: string;
  /** Several folder pairs instead of `images`/`masks`. */
  sources?: FolderSource[];
  roi?: RoiOptions;
}

export type FolderDatasetOptions = FolderLayoutOptions & DatasetOptions;

export { DEFAULT_IMAGE_PATTERN } from './pair-files';

interface SourcePatterns {
  image: RegExp;
  mask: RegExp;
  group?: RegExp;
}

/** Compiled patterns per source (the top-level pair when there are no sources), or every bad one. */
function patterns(o: FolderLayoutOptions): SourcePatterns[] | OptionRuleViolation[] {
  const bad: OptionRuleViolation[] = [];
  const out: SourcePatterns[] = [];
  const compile = (source: string | undefined, fallback: string | undefined, pointer: string, fallbackPointer: string): RegExp | undefined => {
    if (source === undefined && fallback === undefined) return undefined;
    const p = compilePattern(source ?? fallback!, source !== undefined ? pointer : fallbackPointer);
    if (p instanceof RegExp) return p;
    bad.push(p);
    return undefined;
  };
  const sources = o.sources ?? [{} as Partial<FolderSource>];
  sources.forEach((s, i) => {
    const at = o.sources ? `/sources/${i}` : '';
    const image = compile(s.imagePattern, o.imagePattern ?? DEFAULT_IMAGE_PATTERN, `${at}/imagePattern`, '/imagePattern');
    const mask = compile(s.maskPattern, o.maskPattern ?? DEFAULT_IMAGE_PATTERN, `${at}/maskPattern`, '/maskPattern');
    const group = compile(s.groupPattern, o.groupPattern, `${at}/groupPattern`, '/groupPattern');
    if (image && mask) out.push({ image, mask, ...(group ? { group } : {}) });
  });
  return bad.length > 0 ? bad : out;
}

function sourceRules(o: Partial<FolderLayoutOptions>): OptionRuleViolation[] {
  const out: OptionRuleViolation[] = [];
  const prefixes = new Map<string, number>();
  (o.sources ?? []).forEach((s, i) => {
    const prefix = s.idPrefix ?? '';
    const before = prefixes.get(prefix);
    // Same images folder and prefix twice would only ever produce colliding ids.
    if (before !== undefined && o.sources![before]!.images === s.images) out.push({ pointer: `/sources/${i}`, message: `same images folder and idPrefix as source ${before}` });
    prefixes.set(prefix, i);
    if (s.roiDir !== undefined && o.roi?.mode !== 'files') out.push({ pointer: `/sources/${i}/roiDir`, message: "roiDir needs roi.mode 'files'" });
  });
  return out;
}

/**
 * Find pairs in `root/images` and `root/masks` (or one folder told apart by patterns), or in each of `sources`.
 * Sample ids are unique across sources: a collision is a problem naming both images.
 */
export async function scanFolderLayout(o: FolderLayoutOptions): Promise<LayoutScan> {
  const compiled = patterns(o);
  if (compiled.length > 0 && !(compiled[0] as SourcePatterns).image) {
    throw new GraphFlowError('GF_OPTIONS_INVALID', 'bad folder patterns', { problems: (compiled as OptionRuleViolation[]).map((v) => ({ code: 'GF_OPTIONS_INVALID' as const, ...v })) });
  }
  const root = path.resolve(o.root);
  const roiPattern = o.roi?.mode === 'files' ? compilePattern(o.roi.pattern ?? DEFAULT_IMAGE_PATTERN, '/roi/pattern') : undefined;
  if (roiPattern !== undefined && !(roiPattern instanceof RegExp)) throw new GraphFlowError('GF_OPTIONS_INVALID', roiPattern.message, { pointer: roiPattern.pointer });
  const sources: FolderSource[] = o.sources ?? [{ images: o.images, masks: o.masks }];
  const entries: SampleEntry[] = [];
  const problems: LayoutProblem[] = [];
  const byId = new Map<string, string>();
  for (const [i, source] of sources.entries()) {
    const p = compiled[i] as SourcePatterns;
    const groupRe = p.group;
    const roiDir = o.roi?.mode === 'files' ? (source.roiDir ?? o.roi.dir) : undefined;
    const found = await pairFiles({
      imageDir: path.resolve(root, source.images),
      maskDir: path.resolve(root, source.masks),
      imagePattern: p.image,
      maskPattern: p.mask,
      ...(groupRe ? { groupOf: (key: string) => groupRe.exec(key)?.[1] ?? key } : {}),
      ...(source.idPrefix ? { idPrefix: source.idPrefix } : {}),
      ...(source.partition ? { fixedPartition: source.partition } : {}),
      ...(roiDir !== undefined ? { roi: { dir: path.resolve(root, roiDir), pattern: roiPattern as RegExp } } : {}),
    });
    problems.push(...found.problems);
    for (const entry of found.entries) {
      const other = byId.get(entry.id);
      if (other !== undefined) {
        problems.push({ code: 'GF_DATA_INVALID', message: `sample id '${entry.id}' is also the id of ${other} (set idPrefix on one of the sources)`, file: entry.imageFile });
        continue;
      }
      byId.set(entry.id, entry.imageFile);
      entries.push(entry);
    }
  }
  return { root, entries, problems };
}

const SOURCE_SCHEMA = {
  type: 'object',
  properties: {
    images: { type: 'string', description: 'Image folder, relative to root.' },
    masks: { type: 'string', description: 'Mask folder, relative to root (may equal `images`).' },
    imagePattern: { type: 'string', description: 'Regex on image file names (capture group 1: pairing key); default: the layout\'s imagePattern.' },
    maskPattern: { type: 'string', description: 'Regex on mask file names; default: the layout\'s maskPattern.' },
    groupPattern: { type: 'string', description: 'Regex on the key (capture group 1: group); default: the layout\'s groupPattern.' },
    partition: { enum: ['train', 'val', 'test'], description: 'Pin this source to a partition (e.g. the official test folder); split by `split` when omitted. Pinned to train, labeledFraction still applies.' },
    idPrefix: { type: 'string', description: 'Prefix of sample ids and groups from this source (e.g. "test/"); ids must be unique across sources. Default: none.' },
    roiDir: { type: 'string', description: 'roi.mode files: this source\'s ROI folder, relative to root. Default: roi.dir.' },
  },
  required: ['images', 'masks'],
  additionalProperties: false,
} as const;

export const folderDataset = defineComponent<FolderDatasetOptions, SegmentationDataset>({
  kind: 'dataset',
  name: 'folder',
  description: 'Images and masks in folders, paired by configurable file-name patterns (same stem, `_mask` suffixes, other extensions).',
  docs: [
    'Pairs `root/<images>/<name>` with `root/<masks>/<name>` by the key that capture group 1 of `imagePattern` / `maskPattern` extracts.',
    'Examples: same stem, different extension (defaults); `maskPattern: "^(.+)_mask\\\\.png$"` with `masks: "."` and `images: "."`;',
    'several masks per key (e.g. `^(.+?)_mask(?:_\\\\d+)?\\\\.png$`) are merged by union.',
    'Datasets published as several folders (`training/`, `test/`) list them in `sources`, each optionally pinned to a partition;',
    '`images`/`masks` are then not used. Symbolic links to files are followed; a broken link is reported.',
    'ROI files (`roi: { mode: "files", dir, pattern }`) pair with images by key like masks; `dir` (and a source\'s `roiDir`) is relative to root.',
    'Every pair is decoded and checked before training: unreadable files, missing partners, size mismatches and out-of-range mask values',
    'all fail with GF_DATA_INVALID naming each file (or are skipped with `strict: false`). With a split by `lists`, unpaired files',
    'that no list names are only warned about.',
  ].join('\n'),
  schema: {
    type: 'object',
    properties: {
      root: { type: 'string', minLength: 1, description: 'Dataset folder (relative to the working directory).' },
      images: { type: 'string', default: 'images', description: 'Image folder, relative to root (not used with `sources`).' },
      masks: { type: 'string', default: 'masks', description: 'Mask folder, relative to root (may equal `images`; not used with `sources`).' },
      imagePattern: { type: 'string', default: DEFAULT_IMAGE_PATTERN, description: 'Regex (case-insensitive) on image file names; capture group 1 is the pairing key.' },
      maskPattern: { type: 'string', default: DEFAULT_IMAGE_PATTERN, description: 'Regex on mask file names; capture group 1 is the pairing key.' },
      groupPattern: { type: 'string', description: 'Regex on the key; capture group 1 is the patient/volume group that splits keep together.' },
      sources: { type: 'array', items: SOURCE_SCHEMA, minItems: 1, description: 'Several image/mask folder pairs (instead of images/masks), e.g. a training folder split by ratios and a test folder pinned to test. Default: one pair, images/masks.' },
      ...datasetOptionProperties(),
    },
    required: ['root', 'numClasses'],
    additionalProperties: false,
  },
  rules: (o) => {
    const p = patterns(o);
    const bad = p.length > 0 && !(p[0] as SourcePatterns).image ? (p as OptionRuleViolation[]) : [];
    return [...bad, ...sourceRules(o), ...datasetRules(o, { roiFiles: true })];
  },
  checkFiles: (o) => checkLayoutFiles(o.root, () => scanFolderLayout(o)),
  create: async (o, ctx) => buildFromLayout(await scanFolderLayout(o), o, ctx, 'dataset/folder'),
});
