import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runToken, type ComponentContext, type FileCheckProblem, type SampleTransform } from '@graphflow/core';
import type { DatasetOptions } from '../dataset/dataset-options';
import type { LayoutScan } from '../dataset/sample-entry';
import { SegmentationDataset } from '../dataset/segmentation-dataset';

/** Build the nested transform specs and the dataset, the same way for every layout component. */
export async function buildFromLayout(scan: LayoutScan, options: DatasetOptions, ctx: ComponentContext, source: string): Promise<SegmentationDataset> {
  const transforms: SampleTransform[] = [];
  for (let i = 0; i < options.augment.length; i++) transforms.push(await ctx.build<SampleTransform>(options.augment[i]!, `${ctx.path}.augment.${i}`));
  return SegmentationDataset.create(scan, options, { transforms, logger: ctx.logger, source, seed: runToken(ctx.container, 'Seed') });
}

/**
 * `checkFiles` of a layout component: its root is a readable folder and the layout pairs at least one image with a
 * mask. Listing only, nothing decoded, so `graphflow validate` stays fast on a large dataset.
 */
export async function checkLayoutFiles(root: string, scan: () => Promise<LayoutScan>): Promise<FileCheckProblem[]> {
  const abs = path.resolve(root);
  try {
    if (!(await fs.stat(abs)).isDirectory()) return [{ pointer: '/root', message: 'dataset root is not a folder', file: abs }];
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return [{ pointer: '/root', message: code === 'ENOENT' ? 'dataset root does not exist' : `cannot read dataset root: ${code ?? (e as Error).message}`, file: abs, expected: 'the folder the dataset was downloaded or unpacked to' }];
  }
  const found = await scan();
  if (found.entries.length > 0) return [];
  const why = found.problems.slice(0, 3).map((p) => `${p.message}${p.file ? ` (${p.file})` : ''}`);
  return [{ pointer: '', message: `no image/mask pairs found under the root${why.length ? `: ${why.join('; ')}${found.problems.length > 3 ? ` (+${found.problems.length - 3} more)` : ''}` : ''}`, file: abs }];
}
