import * as path from 'node:path';
import { writeJsonAtomic, type Metric, type ModelSummary, type Partition, type Sample, type SegmentationData, type SegmentationModel, type Stage, type StageContext, type StageResult } from '@graphflow/core';
import { evaluateModel, flattenSummary, type EvaluationResult } from '../evaluation/evaluate-model';
import { evaluationTable } from '../evaluation/evaluation-report';
import { renderOverlay } from '../figures/overlay';
import { checkModelFitsData } from './model-data-check';
import { formatFlops, formatParams } from './format-size';

export interface EvaluateStageOptions {
  /** Models to evaluate (manifest references); overlays show them side by side in this order. */
  models: string[];
  data: string;
  partition: Partition;
  batchSize: number;
  /** Overlay figures written for the first N samples (0 = none). */
  overlays: number;
  /** Spacing between slices for per-volume HD95 when samples do not give `meta.sliceSpacing`. */
  sliceSpacing: number;
}

/**
 * Evaluates one or more models on a split with the paper's metrics (per class, per case, per volume), reports their
 * sizes (params/FLOPs), and writes overlay figures image | ground truth | model 1 | model 2 ….
 * Writes `<stage dir>/evaluation.json` with every per-case value.
 */
export class EvaluateStage implements Stage {
  constructor(private readonly options: EvaluateStageOptions, private readonly metrics: Metric[]) {}

  async run(ctx: StageContext): Promise<StageResult> {
    const { options } = this;
    const data = await ctx.resolve<SegmentationData>(options.data);
    const models: [string, SegmentationModel][] = [];
    for (const [i, ref] of options.models.entries()) {
      const model = await ctx.resolve<SegmentationModel>(ref);
      checkModelFitsData(model, data, `/options/models/${i}`);
      models.push([ref, model]);
    }
    const started = Date.now();
    const results: Record<string, EvaluationResult> = {};
    const predictions = new Map<string, { sample: Sample; masks: Uint8Array[] }>();
    const overlayIds: string[] = [];
    for (const [m, [ref, model]] of models.entries()) {
      results[ref] = await evaluateModel(model, data, {
        partition: options.partition,
        metrics: this.metrics,
        batchSize: options.batchSize,
        sliceSpacing: options.sliceSpacing,
        onPrediction: (sample, prediction) => {
          if (m === 0 && overlayIds.length < options.overlays) {
            overlayIds.push(sample.id);
            predictions.set(sample.id, { sample, masks: [] });
          }
          predictions.get(sample.id)?.masks.push(prediction);
        },
      });
      ctx.logger.info({ model: ref, ...flattenSummary(results[ref]!) }, 'evaluation');
    }

    const artifacts: string[] = [];
    const evalFile = path.join(ctx.dir, 'evaluation.json');
    await writeJsonAtomic(evalFile, jsonSafe(results));
    artifacts.push(path.relative(ctx.run.root, evalFile));
    const overlayDir = path.join(ctx.dir, 'overlays');
    for (const id of overlayIds) {
      const { sample, masks } = predictions.get(id)!;
      const file = path.join(overlayDir, `${id.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
      await renderOverlay(
        { data: sample.image, height: sample.height, width: sample.width, channels: sample.channels },
        [{ title: 'image' }, { title: 'ground truth', mask: sample.mask! }, ...masks.map((mask, i) => ({ title: shortName(models[i]![0]), mask }))],
        file,
      );
      artifacts.push(path.relative(ctx.run.root, file));
    }

    const [h, w] = data.inputSize;
    const summaries: Record<string, ModelSummary> = Object.fromEntries(models.map(([ref, model]) => [ref, model.summary(h, w)]));
    const metrics: Record<string, Record<string, number>> = {};
    for (const [ref, r] of Object.entries(results)) metrics[ref] = flattenSummary(r);
    const sizeLines = Object.entries(summaries).map(([ref, s]) => `| ${ref} | ${s.architecture} | ${formatParams(s.params)} | ${formatFlops(s.flops)} |`);
    const report = [
      `### ${ctx.name}`,
      '',
      evaluationTable(results, this.metrics),
      '',
      `| model | architecture | params | FLOPs @ ${h}×${w} |`,
      '| --- | --- | --- | --- |',
      ...sizeLines,
      ...artifacts.filter((a) => a.endsWith('.png')).map((a) => `\n![overlay](${a})`),
    ].join('\n');
    return { metrics, artifacts, report, models: summaries, seconds: (Date.now() - started) / 1000 };
  }

  /** Evaluation produces no weights; re-running it after a resume is cheap and idempotent. */
  async restore(): Promise<void> {}
}

function shortName(ref: string): string {
  return ref.replace(/^models\./, '');
}

/** JSON has no NaN/Infinity; undefined metric values become null. */
function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}
