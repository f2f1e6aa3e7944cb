import * as path from 'node:path';
import { defineComponent } from '@graphflow/core';
import { datasetOptionProperties, datasetRules, type DatasetOptions } from '../dataset/dataset-options';
import type { LayoutScan } from '../dataset/sample-entry';
import type { SegmentationDataset } from '../dataset/segmentation-dataset';
import { buildFromLayout, checkLayoutFiles } from './component-support';
import { pairFiles } from './pair-files';

export interface CvcLayoutOptions {
  root: string;
  /** Frame ranges [first, last] (inclusive, by frame number) that form one video sequence each; frames outside are their own group. */
  sequences: [number, number][];
}

export type CvcDatasetOptions = CvcLayoutOptions & DatasetOptions;

const FRAME = /^(.+)\.(?:tiff?|png)$/i;

/** CVC-ClinicDB (Bernal et al., 2015): `Original/<n>.tif` + `Ground Truth/<n>.tif`, or PNG mirrors of both. */
export async function scanCvcLayout(o: CvcLayoutOptions): Promise<LayoutScan> {
  const root = path.resolve(o.root);
  const groupOf = (key: string): string => {
    const n = Number.parseInt(key, 10);
    const seq = o.sequences.findIndex(([a, b]) => n >= a && n <= b);
    return seq >= 0 ? `seq${seq}` : key;
  };
  const found = await pairFiles({ imageDir: path.join(root, 'Original'), maskDir: path.join(root, 'Ground Truth'), imagePattern: FRAME, maskPattern: FRAME, groupOf });
  return { root, ...found };
}

export const cvcClinicDbDataset = defineComponent<CvcDatasetOptions, SegmentationDataset>({
  kind: 'dataset',
  name: 'cvc-clinicdb',
  description: 'CVC-ClinicDB colonoscopy: `Original/` + `Ground Truth/` (TIFF or PNG), polyp vs background.',
  docs: 'Frames of one video sequence are strongly correlated: give `sequences` (frame ranges) so splits keep each sequence together.',
  schema: {
    type: 'object',
    properties: {
      root: { type: 'string', minLength: 1, description: 'Folder holding `Original/` and `Ground Truth/`.' },
      sequences: { type: 'array', items: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 }, default: [], description: 'Frame-number ranges [first,last] forming one video sequence (split group) each.' },
      ...datasetOptionProperties({ numClasses: 2, channels: 3 }),
    },
    required: ['root'],
    additionalProperties: false,
  },
  rules: (o) => datasetRules(o),
  checkFiles: (o) => checkLayoutFiles(o.root, () => scanCvcLayout(o)),
  create: async (o, ctx) => buildFromLayout(await scanCvcLayout(o), o, ctx, 'dataset/cvc-clinicdb'),
});
