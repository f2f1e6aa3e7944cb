import { TOKENS, type ComponentContext, type SampleTransform } from '@graphflow/core';
import type { DatasetOptions } from '../dataset/dataset-options';
import type { LayoutScan } from '../dataset/sample-entry';
import { SegmentationDataset } from '../dataset/segmentation-dataset';

/** The run seed when the container has one (it does in a pipeline run; plain tests may not). */
function runSeed(ctx: ComponentContext): number | undefined {
  try {
    return ctx.container.isRegistered(TOKENS.Seed, true) ? ctx.container.resolve<number>(TOKENS.Seed) : undefined;
  } catch {
    return undefined;
  }
}

/** Build the nested transform specs and the dataset, the same way for every layout component. */
export async function buildFromLayout(scan: LayoutScan, options: DatasetOptions, ctx: ComponentContext, source: string): Promise<SegmentationDataset> {
  const transforms: SampleTransform[] = [];
  for (let i = 0; i < options.augment.length; i++) transforms.push(await ctx.build<SampleTransform>(options.augment[i]!, `${ctx.path}.augment.${i}`));
  const seed = runSeed(ctx);
  return SegmentationDataset.create(scan, options, { transforms, logger: ctx.logger, source, ...(seed !== undefined ? { seed } : {}) });
}
