import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError } from '@graphflow/core';
import type { AblationResult } from './run-ablation';
import { LOWER_IS_BETTER, runsOf } from './paired-rows';

/** The validation value of one metric after one validated epoch of the ablated stage. */
export interface CurvePoint {
  epoch: number;
  value: number;
}

export interface VariantCurves {
  variant: string;
  /** One curve per finished run (per seed), in seed order; runs that recorded no validation are counted, not drawn. */
  runs: { seed: number | undefined; points: CurvePoint[] }[];
  /** Finished runs whose metrics.jsonl held no validation record of the metric. */
  withoutCurve: number;
  /** Mean over the runs that reached each epoch. */
  mean: CurvePoint[];
}

/** How far a variant's curve had settled when training stopped, on the mean over seeds. */
export interface CurveSummary {
  variant: string;
  /** Finished runs with a curve, and those without one (counted so that a silent run is visible, not dropped). */
  runs: number;
  withoutCurve: number;
  /** Validated epochs of the longest run; 0 (and every value NaN) when no run has a curve. */
  epochs: number;
  last: number;
  best: number;
  bestEpoch: number;
  /**
   * Last value minus the value a quarter of the validated epochs earlier (at least one), averaged over the runs:
   * the convergence check — a curve still climbing there would move with a longer budget.
   */
  lateChange: number;
  lateEpochs: number;
}

/**
 * The validation curve of `metric` for `stage` in a finished run, from its metrics.jsonl. A run folder is untrusted
 * input: a line that is not JSON, or a validation value that is neither a finite number nor null (a metric that could
 * not be computed), is an error naming the file and line, never a silently shorter curve.
 */
export async function readValidationCurve(runDir: string, stage: string, metric: string): Promise<CurvePoint[]> {
  const file = path.join(runDir, 'metrics.jsonl');
  const text = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  const points: CurvePoint[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (e) {
      throw new GraphFlowError('GF_RESUME_INVALID', `not a JSON record (${(e as Error).message})`, { file, line: i + 1 });
    }
    if (!record || typeof record !== 'object') continue;
    const r = record as { stage?: unknown; epoch?: unknown; validation?: unknown };
    if (r.stage !== stage || !r.validation || typeof r.validation !== 'object') continue;
    const value = (r.validation as Record<string, unknown>)[metric];
    if (value === undefined) continue;
    if (typeof r.epoch !== 'number' || !Number.isInteger(r.epoch) || r.epoch < 0) {
      throw new GraphFlowError('GF_RESUME_INVALID', `a validation record needs a non-negative integer "epoch"`, { file, line: i + 1 });
    }
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new GraphFlowError('GF_RESUME_INVALID', `validation "${metric}" is ${JSON.stringify(value)}, not a finite number`, { file, line: i + 1 });
    }
    points.push({ epoch: r.epoch, value: value === null ? NaN : value });
  }
  return points;
}

const finiteMean = (xs: readonly number[]): number => {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((s, x) => s + x, 0) / f.length : NaN;
};

/** Every variant's validation curves (one per finished seed) and their mean per epoch. */
export async function validationCurves(result: AblationResult, metric: string): Promise<VariantCurves[]> {
  const out: VariantCurves[] = [];
  for (const row of result.rows) {
    const runs: VariantCurves['runs'] = [];
    let withoutCurve = 0;
    for (const run of runsOf(row).filter((r) => r.done)) {
      const points = await readValidationCurve(run.runDir, result.stage, metric);
      if (points.length === 0) withoutCurve++;
      else runs.push({ seed: run.seed, points });
    }
    const epochs = [...new Set(runs.flatMap((r) => r.points.map((p) => p.epoch)))].sort((a, b) => a - b);
    const mean = epochs.map((epoch) => ({ epoch, value: finiteMean(runs.flatMap((r) => r.points.filter((p) => p.epoch === epoch).map((p) => p.value))) }));
    out.push({ variant: row.variant, runs, withoutCurve, mean });
  }
  return out;
}

export function summarizeCurve(curves: VariantCurves, metric: string): CurveSummary {
  if (curves.runs.length === 0) return { variant: curves.variant, runs: 0, withoutCurve: curves.withoutCurve, epochs: 0, last: NaN, best: NaN, bestEpoch: NaN, lateChange: NaN, lateEpochs: 0 };
  const lower = LOWER_IS_BETTER.has(metric);
  const finite = curves.mean.filter((p) => Number.isFinite(p.value));
  const bestPoint = finite.reduce<CurvePoint | undefined>((b, p) => (b === undefined || (lower ? p.value < b.value : p.value > b.value) ? p : b), undefined);
  const perRun = curves.runs.map((r) => {
    const back = Math.max(1, Math.round(r.points.length / 4));
    const last = r.points[r.points.length - 1]!.value;
    const earlier = r.points[Math.max(0, r.points.length - 1 - back)]!.value;
    const seen = r.points.map((p) => p.value).filter(Number.isFinite);
    const best = seen.length === 0 ? NaN : lower ? Math.min(...seen) : Math.max(...seen);
    return { last, best, change: last - earlier, back, epochs: r.points.length };
  });
  return {
    variant: curves.variant,
    runs: curves.runs.length,
    withoutCurve: curves.withoutCurve,
    epochs: Math.max(...perRun.map((r) => r.epochs)),
    last: finiteMean(perRun.map((r) => r.last)),
    best: finiteMean(perRun.map((r) => r.best)),
    bestEpoch: bestPoint?.epoch ?? NaN,
    lateChange: finiteMean(perRun.map((r) => r.change)),
    lateEpochs: Math.max(...perRun.map((r) => r.back)),
  };
}

const pct = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : 'n/a');
const signed = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(4)}` : 'n/a');

export function renderCurvesMarkdown(summaries: readonly CurveSummary[], metric: string): string {
  const lines = [
    `## Validation curves (${metric})`,
    '',
    `The ablated stage's validation ${metric} after each validated epoch, per run; \`ablation-curves.png\` draws the mean over seeds and each seed. "late change": the last value minus the one a quarter of the validated epochs earlier, averaged over seeds — a curve still moving there has not converged, and a longer budget may reorder the rows. "best": each seed's best value (the weights the stage keeps when it restores its best epoch), averaged.`,
    '',
    '| variant | validated epochs | last | best | epoch of the best mean | late change (epochs) | runs without a curve |',
    '|---|---:|---:|---:|---:|---|---:|',
  ];
  for (const s of summaries) {
    if (s.runs === 0) lines.push(`| ${s.variant} | 0 | n/a | n/a | n/a | n/a | ${s.withoutCurve} |`);
    else lines.push(`| ${s.variant} | ${s.epochs} | ${pct(s.last)} | ${pct(s.best)} | ${Number.isFinite(s.bestEpoch) ? s.bestEpoch + 1 : 'n/a'} | ${signed(s.lateChange)} (${s.lateEpochs}) | ${s.withoutCurve} |`);
  }
  return `${lines.join('\n')}\n`;
}
