import * as path from 'node:path';
import { defineComponent, type OptionRuleViolation } from '@graphflow/core';
import { datasetOptionProperties, datasetRules, type DatasetOptions } from '../dataset/dataset-options';
import type { LayoutScan } from '../dataset/sample-entry';
import type { SegmentationDataset } from '../dataset/segmentation-dataset';
import { buildFromLayout, checkLayoutFiles } from './component-support';
import { pairFiles } from './pair-files';

export type KvasirDatasetOptions = { root: string } & DatasetOptions;

const JPEG = /^(.+)\.(?:jpe?g|png)$/i;

/** Kvasir-SEG (Jha et al., 2020): `images/<id>.jpg` + `masks/<id>.jpg`; masks are JPEG, so they are thresholded, never read as indices. */
export async function scanKvasirLayout(o: { root: string }): Promise<LayoutScan> {
  const root = path.resolve(o.root);
  return { root, ...(await pairFiles({ imageDir: path.join(root, 'images'), maskDir: path.join(root, 'masks'), imagePattern: JPEG, maskPattern: JPEG })) };
}

export const kvasirDataset = defineComponent<KvasirDatasetOptions, SegmentationDataset>({
  kind: 'dataset',
  name: 'kvasir',
  description: 'Kvasir-SEG polyps: `images/` + `masks/` JPEGs, masks thresholded (JPEG is lossy).',
  docs: 'Mask encoding defaults to binary with threshold 128, which absorbs JPEG ringing around the polyp edge.',
  schema: {
    type: 'object',
    properties: {
      root: { type: 'string', minLength: 1, description: 'Folder holding `images/` and `masks/`.' },
      ...datasetOptionProperties({ numClasses: 2, channels: 3, mask: { mode: 'binary', threshold: 128 } }),
    },
    required: ['root'],
    additionalProperties: false,
  },
  rules: (o): OptionRuleViolation[] => [
    ...(o.mask.mode === 'index' ? [{ pointer: '/mask/mode', message: 'JPEG masks are lossy: class indices do not survive compression', expected: 'binary, or palette with a tolerance' }] : []),
    ...datasetRules(o),
  ],
  checkFiles: (o) => checkLayoutFiles(o.root, () => scanKvasirLayout(o)),
  create: async (o, ctx) => buildFromLayout(await scanKvasirLayout(o), o, ctx, 'dataset/kvasir'),
});
