import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { defineComponent, type Problem } from '@graphflow/core';
import { datasetOptionProperties, datasetRules, type DatasetOptions } from '../dataset/dataset-options';
import type { LayoutScan, SampleEntry } from '../dataset/sample-entry';
import type { SegmentationDataset } from '../dataset/segmentation-dataset';
import { readH5Shapes, readH5Slice } from '../decode/hdf5';
import type { NdArray } from '../decode/npy';
import { readNpz } from '../decode/npz';
import type { Raster } from '../decode/raster';
import { buildFromLayout, checkLayoutFiles } from './component-support';

/** TransUNet's Synapse case lists (lists/lists_Synapse): 18 training and 12 test CT volumes. */
export const SYNAPSE_TRAIN_CASES: readonly string[] = ['case0005', 'case0006', 'case0007', 'case0009', 'case0010', 'case0021', 'case0023', 'case0024', 'case0026', 'case0027', 'case0028', 'case0030', 'case0031', 'case0033', 'case0034', 'case0037', 'case0039', 'case0040'];
export const SYNAPSE_TEST_CASES: readonly string[] = ['case0001', 'case0002', 'case0003', 'case0004', 'case0008', 'case0022', 'case0025', 'case0029', 'case0032', 'case0035', 'case0036', 'case0038'];
/** Label order of TransUNet's preprocessed data (index 0 is background). */
export const SYNAPSE_CLASS_NAMES: readonly string[] = ['background', 'aorta', 'gallbladder', 'kidney_left', 'kidney_right', 'liver', 'pancreas', 'spleen', 'stomach'];

export interface SynapseLayoutOptions {
  root: string;
  trainCases: string[];
  testCases: string[];
}

export type SynapseDatasetOptions = SynapseLayoutOptions & DatasetOptions;

const SLICE = /^(case\d+)_slice(\d+)\.npz$/i;

function rasterOf(a: NdArray, file: string): Raster {
  if (a.shape.length !== 2) throw new Error(`expected a 2-D [H,W] array, got shape [${a.shape.join(',')}]`);
  return { height: a.shape[0]!, width: a.shape[1]!, channels: 1, data: a.data, maxValue: null, file };
}

/**
 * TransUNet's preprocessed Synapse: `train_npz/caseXXXX_sliceYYY.npz` (arrays `image`, `label`, each [512,512],
 * CT already clipped to [-125,275] and scaled to [0,1]) and `test_vol_h5/caseXXXX.npy.h5` (datasets `image`, `label`, [D,512,512]).
 * Test volumes are pinned to the `test` partition, one sample per slice with `group` = case and `sliceIndex` = z,
 * so metrics can be aggregated per volume.
 */
export async function scanSynapseLayout(o: SynapseLayoutOptions): Promise<LayoutScan> {
  const root = path.resolve(o.root);
  const entries: SampleEntry[] = [];
  const problems: Problem[] = [];
  const trainDir = path.join(root, 'train_npz');
  const trainCases = new Set(o.trainCases);
  const seen = new Set<string>();
  let names: string[] = [];
  try {
    names = (await fs.readdir(trainDir)).sort();
  } catch (e) {
    if (o.trainCases.length > 0) problems.push({ code: 'GF_DATA_INVALID', message: `cannot read folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file: trainDir });
  }
  for (const name of names) {
    const m = SLICE.exec(name);
    if (!m || !trainCases.has(m[1]!)) continue;
    const file = path.join(trainDir, name);
    const group = m[1]!;
    seen.add(group);
    entries.push({
      id: name.replace(/\.npz$/i, ''),
      group,
      sliceIndex: Number.parseInt(m[2]!, 10),
      imageFile: file,
      maskFiles: [`${file}#label`],
      readImage: async () => rasterOf((await readNpz(file, ['image'])).image!, `${file}#image`),
      readMasks: async () => [rasterOf((await readNpz(file, ['label'])).label!, `${file}#label`)],
    });
  }
  for (const c of o.trainCases) if (!seen.has(c)) problems.push({ code: 'GF_DATA_INVALID', message: `training case ${c} has no slices (expected ${c}_sliceNNN.npz)`, file: trainDir });

  for (const c of o.testCases) {
    const file = path.join(root, 'test_vol_h5', `${c}.npy.h5`);
    let depth: number;
    try {
      // Checked first because HDF5 prints a diagnostic stack to stderr for a missing file.
      await fs.access(file).catch((e: NodeJS.ErrnoException) => {
        throw new Error(e.code ?? e.message);
      });
      const shapes = await readH5Shapes(file, ['image', 'label']);
      const [img, lab] = [shapes.image!, shapes.label!];
      if (img.length !== 3 || img.join() !== lab.join()) throw new Error(`image [${img.join(',')}] and label [${lab.join(',')}] must be equal [D,H,W] volumes`);
      depth = img[0]!;
    } catch (e) {
      problems.push({ code: 'GF_DATA_INVALID', message: `cannot read test volume: ${(e as Error).message}`, file });
      continue;
    }
    for (let z = 0; z < depth; z++) {
      entries.push({
        id: `${c}_slice${String(z).padStart(3, '0')}`,
        group: c,
        sliceIndex: z,
        fixedPartition: 'test',
        imageFile: `${file}#image[${z}]`,
        maskFiles: [`${file}#label[${z}]`],
        readImage: async () => rasterOf((await readH5Slice(file, ['image'], z)).image!, `${file}#image[${z}]`),
        readMasks: async () => [rasterOf((await readH5Slice(file, ['label'], z)).label!, `${file}#label[${z}]`)],
      });
    }
  }
  return { root, entries, problems };
}

export const synapseDataset = defineComponent<SynapseDatasetOptions, SegmentationDataset>({
  kind: 'dataset',
  name: 'synapse',
  description: "Synapse multi-organ CT in TransUNet's preprocessed form: train_npz slices + test_vol_h5 volumes, 9 classes.",
  docs: [
    'Training slices come from `train_npz/*.npz`; the 12 standard test volumes from `test_vol_h5/*.npy.h5` form the `test` partition',
    '(samples carry `group` = case and `sliceIndex` for per-volume Dice/HD95). Validation, if wanted, is carved from training cases',
    'by `split.ratios.val`, whole cases at a time. Data are already CT-windowed to [0,1], so normalization defaults to none.',
  ].join('\n'),
  schema: {
    type: 'object',
    properties: {
      root: { type: 'string', minLength: 1, description: 'Folder holding `train_npz/` and `test_vol_h5/`.' },
      trainCases: { type: 'array', items: { type: 'string' }, default: [...SYNAPSE_TRAIN_CASES], description: 'Training cases (TransUNet lists_Synapse/train.txt).' },
      testCases: { type: 'array', items: { type: 'string' }, default: [...SYNAPSE_TEST_CASES], description: 'Test volumes (TransUNet lists_Synapse/test_vol.txt).' },
      ...datasetOptionProperties({
        numClasses: 9,
        channels: 1,
        normalization: { mode: 'none' },
        mask: { mode: 'index' },
        split: { ratios: { train: 1, val: 0, test: 0 }, shuffle: true, labeledFraction: 1 },
      }),
      classNames: { type: 'array', items: { type: 'string' }, default: [...SYNAPSE_CLASS_NAMES], description: 'Class names, index 0 first.' },
    },
    required: ['root'],
    additionalProperties: false,
  },
  rules: (o) => datasetRules(o),
  checkFiles: (o) => checkLayoutFiles(o.root, () => scanSynapseLayout(o)),
  create: async (o, ctx) => buildFromLayout(await scanSynapseLayout(o), o, ctx, 'dataset/synapse'),
});
