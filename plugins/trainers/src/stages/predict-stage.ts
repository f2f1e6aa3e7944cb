import * as path from 'node:path';
import { writeJsonAtomic, type Partition, type SegmentationData, type SegmentationModel, type Stage, type StageContext, type StageResult } from '@graphflow/core';
import type { InferenceOptions } from '../inference/inference-options';
import { predictImages } from '../predict/predict-images';
import { checkModelFitsData } from './model-data-check';

export interface PredictStageOptions {
  model: string;
  data: string;
  partition: Partition;
  batchSize: number;
  overlays: boolean;
  scaledMasks: boolean;
  /** Whole-image or tiled inference (see InferenceOptions); defaults apply when absent. */
  inference?: InferenceOptions;
}

/** Writes a mask PNG (and overlay) per sample of a split into `<stage dir>/predictions/`, plus an index JSON. */
export class PredictStage implements Stage {
  constructor(private readonly options: PredictStageOptions) {}

  async preflight(ctx: StageContext): Promise<void> {
    await this.fitted(ctx);
  }

  private async fitted(ctx: StageContext): Promise<{ model: SegmentationModel; data: SegmentationData }> {
    const model = await ctx.resolve<SegmentationModel>(this.options.model);
    const data = await ctx.resolve<SegmentationData>(this.options.data);
    checkModelFitsData(model, data, `/stages/${ctx.index}/options/model`, { options: this.options.inference, pointer: `/stages/${ctx.index}/options/inference` });
    return { model, data };
  }

  async run(ctx: StageContext): Promise<StageResult> {
    const { model, data } = await this.fitted(ctx);
    const started = Date.now();
    const outDir = path.join(ctx.dir, 'predictions');
    const files = await predictImages(model, data.samples(this.options.partition), {
      outDir,
      batchSize: this.options.batchSize,
      overlays: this.options.overlays,
      scaledMasks: this.options.scaledMasks,
      trainingSize: data.inputSize,
      ...(this.options.inference ? { inference: this.options.inference } : {}),
    });
    const rel = (f: string) => path.relative(ctx.run.root, f);
    const index = path.join(outDir, 'index.json');
    await writeJsonAtomic(index, files.map((f) => ({ id: f.id, mask: rel(f.mask), ...(f.overlay ? { overlay: rel(f.overlay) } : {}) })));
    return {
      metrics: { predicted: files.length },
      // The folder, not every file: a test split can have thousands of images.
      artifacts: [rel(index), rel(outDir)],
      report: `### ${ctx.name}\n\n${files.length} ${this.options.partition} images predicted into \`${rel(outDir)}\`.`,
      seconds: (Date.now() - started) / 1000,
    };
  }

  async restore(): Promise<void> {}
}
