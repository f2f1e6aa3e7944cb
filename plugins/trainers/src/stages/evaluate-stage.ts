import * as path from 'node:path';
import { writeJsonAtomic, type Metric, type ModelSummary, type Partition, type Sample, type SegmentationData, type SegmentationModel, type Stage, type StageContext, type StageResult } from '@graphflow/core';
import { evaluateModel, flattenSummary, type EvaluationResult } from '../evaluation/evaluate-model';
import { evaluationTable } from '../evaluation/evaluation-report';
import { compareVerdict, type CompareOptions } from '../evaluation/compare-verdict';
import { shortName } from '../evaluation/model-name';
import type { InferenceOptions } from '../inference/inference-options';
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
  /** Say plainly whether `candidate` beats `baseline` on `metric` (e.g. distilled student vs the student alone). */
  compare?: CompareOptions;
  /** Whole-image or tiled inference (see InferenceOptions); defaults apply when absent. */
  inference?: InferenceOptions;
}

/**
 * Evaluates one or more models on a split with the paper's metrics (per class, per case, per volume), reports their
 * sizes (params/FLOPs), and writes overlay figures image | ground truth | model 1 | model 2 ….
 * Writes `<stage dir>/evaluation.json` with every per-case value.
 */
export class EvaluateStage implements Stage {
  constructor(private readonly options: EvaluateStageOptions, private readonly metrics: Metric[]) {}

  async preflight(ctx: StageContext): Promise<void> {
    await this.fitted(ctx);
  }

  /** The data and every evaluated network, checked against each other and the tile (also before any stage runs). */
  private async fitted(ctx: StageContext): Promise<{ data: SegmentationData; models: [string, SegmentationModel][] }> {
    const { options } = this;
    const data = await ctx.resolve<SegmentationData>(options.data);
    const models: [string, SegmentationModel][] = [];
    for (const [i, ref] of options.models.entries()) {
      const model = await ctx.resolve<SegmentationModel>(ref);
      checkModelFitsData(model, data, `/stages/${ctx.index}/options/models/${i}`, { options: options.inference, pointer: `/stages/${ctx.index}/options/inference` });
      models.push([ref, model]);
    }
    return { data, models };
  }

  async run(ctx: StageContext): Promise<StageResult> {
    const { options } = this;
    const { data, models } = await this.fitted(ctx);
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
        ...(options.inference ? { inference: options.inference } : {}),
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
    const verdict = options.compare ? compareVerdict(options.compare, results, this.metrics, options.partition) : undefined;
    const report = [
      `### ${ctx.name}`,
      '',
      summaryTable(metrics, summaries, this.metrics, [h, w]),
      '',
      ...(verdict ? [verdict.text, ''] : []),
      // With one foreground class the table below has no per-class columns, so no heading promises them.
      ...(data.numClasses > 2 ? ['Per class:', ''] : []),
      evaluationTable(results, this.metrics),
      ...artifacts.filter((a) => a.endsWith('.png')).map((a) => `\n![overlay](${a})`),
    ].join('\n');
    if (verdict) {
      const p = verdict.paired;
      metrics['compare'] = { delta: verdict.delta, candidateBetter: verdict.better ? 1 : 0, neitherLearned: verdict.neitherLearned.length, ...(p ? { pairedCases: p.n, wins: p.wins, losses: p.losses, meanDifference: p.meanDifference, ciLow: p.ci[0], ciHigh: p.ci[1] } : {}) };
    }
    return { metrics, artifacts, report, models: summaries, seconds: (Date.now() - started) / 1000 };
  }

  /** Evaluation produces no weights; re-running it after a resume is cheap and idempotent. */
  async restore(): Promise<void> {}
}

/** One row per model: the mean of every metric (overlaps in %), then params and FLOPs — the paper's table layout. */
function summaryTable(metrics: Record<string, Record<string, number>>, sizes: Record<string, ModelSummary>, defs: readonly Metric[], [h, w]: readonly [number, number]): string {
  const names = defs.map((d) => d.name).filter((n) => Object.values(metrics).some((m) => n in m));
  const percent = new Set(defs.filter((d) => d.higherIsBetter).map((d) => d.name));
  const header = ['model', ...names.map((n) => (percent.has(n) ? `${n} %` : n)), 'params', `FLOPs @ ${h}×${w}`];
  const rows = Object.entries(metrics).map(([ref, m]) => [
    shortName(ref),
    ...names.map((n) => {
      const v = m[n];
      return v === undefined || Number.isNaN(v) ? '–' : percent.has(n) ? (v * 100).toFixed(2) : v.toFixed(2);
    }),
    formatParams(sizes[ref]!.params),
    formatFlops(sizes[ref]!.flops),
  ]);
  return [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** JSON has no NaN/Infinity; undefined metric values become null. */
function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}
