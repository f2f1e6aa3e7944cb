import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { defineComponent, type Problem } from '@graphflow/core';
import { datasetOptionProperties, datasetRules, type DatasetOptions } from '../dataset/dataset-options';
import type { LayoutScan, SampleEntry } from '../dataset/sample-entry';
import type { SegmentationDataset } from '../dataset/segmentation-dataset';
import { buildFromLayout, checkLayoutFiles } from './component-support';
import { pairFiles } from './pair-files';

export interface BusiLayoutOptions {
  root: string;
  /** Class sub-folders to read; all sub-folders when empty. */
  classes: string[];
}

export type BusiDatasetOptions = BusiLayoutOptions & DatasetOptions;

/**
 * BUSI (Al-Dhabyani et al., 2020): `root/<class>/<name>.png` with `<name>_mask.png` and, for images with several lesions,
 * `<name>_mask_1.png`, … merged by union. The folder's class (benign/malignant/normal) is kept as `meta.class`.
 */
export async function scanBusiLayout(o: BusiLayoutOptions): Promise<LayoutScan> {
  const root = path.resolve(o.root);
  let classes = o.classes;
  const problems: Problem[] = [];
  if (classes.length === 0) {
    try {
      classes = (await fs.readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
    } catch (e) {
      return { root, entries: [], problems: [{ code: 'GF_DATA_INVALID', message: `cannot read folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file: root }] };
    }
  }
  const entries: SampleEntry[] = [];
  for (const cls of classes) {
    const dir = path.join(root, cls);
    const found = await pairFiles({
      imageDir: dir,
      maskDir: dir,
      imagePattern: /^(.+)\.png$/i,
      maskPattern: /^(.+?)_mask(?:_\d+)?\.png$/i,
      idPrefix: `${cls}/`,
      meta: { class: cls },
    });
    entries.push(...found.entries);
    problems.push(...found.problems);
  }
  return { root, entries, problems };
}

export const busiDataset = defineComponent<BusiDatasetOptions, SegmentationDataset>({
  kind: 'dataset',
  name: 'busi',
  description: 'BUSI breast ultrasound: class sub-folders, `name_mask.png` (+ `name_mask_1.png`…) merged by union; folder class as metadata.',
  docs: 'Layout of Al-Dhabyani et al., "Dataset of breast ultrasound images" (2020). Lesion vs background (numClasses 2). Each image is its own group: BUSI has no patient ids.',
  schema: {
    type: 'object',
    properties: {
      root: { type: 'string', minLength: 1, description: 'Folder holding the class sub-folders (benign, malignant, normal).' },
      classes: { type: 'array', items: { type: 'string' }, default: [], description: 'Class sub-folders to read (all when empty), e.g. ["benign","malignant"] to drop lesion-free images.' },
      ...datasetOptionProperties({ numClasses: 2, channels: 1 }),
    },
    required: ['root'],
    additionalProperties: false,
  },
  rules: (o) => datasetRules(o),
  checkFiles: (o) => checkLayoutFiles(o.root, () => scanBusiLayout(o)),
  create: async (o, ctx) => buildFromLayout(await scanBusiLayout(o), o, ctx, 'dataset/busi'),
});
