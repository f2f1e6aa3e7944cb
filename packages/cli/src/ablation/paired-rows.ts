import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError, bootstrapMeanInterval, bootstrapSeedsAndCasesInterval } from '@graphflow/core';
import type { AblationResult, AblationRow } from './run-ablation';

/** Metrics where a smaller value is better; every other metric is better when larger. */
export const LOWER_IS_BETTER = new Set(['hd95', 'hd', 'assd', 'loss']);

/** One variant against the baseline variant, paired per test image (and per seed where there are seeds). */
export interface PairedRow {
  variant: string;
  metric: string;
  /** Images with a value in both variants (for every seed both ran). */
  images: number;
  /** Images where the variant is better / worse than the baseline on the mean over seeds. */
  wins: number;
  losses: number;
  /** Mean over images of (variant − baseline), each image's difference first averaged over the seeds. */
  meanDifference: number;
  /** 95 % bootstrap interval of that mean, images resampled (the seeds' average taken as exact). */
  ci: [number, number];
  /** 95 % interval with seeds and images resampled, over the images every seed has: the seed-to-seed doubt included. */
  ciSeedsAndImages: [number, number];
  /** Mean over images of (variant − baseline) at each seed, in seed order. */
  perSeed: { seed: number | undefined; difference: number }[];
  /** (variant − baseline) / (reference − baseline) on the means, when a reference model (the teacher) was evaluated. */
  gapClosed?: number;
}

interface CaseValues {
  id: string;
  metrics: Record<string, { mean?: number } | undefined>;
}

type Evaluation = Record<string, { cases?: CaseValues[] } | undefined>;

/** The per-image results of the last stage of a run that wrote an evaluation.json. */
async function readEvaluation(runDir: string): Promise<{ file: string; evaluation: Evaluation }> {
  const stagesDir = path.join(runDir, 'stages');
  const state = JSON.parse(await fs.readFile(path.join(runDir, 'report.json'), 'utf8')) as { stages: { name: string }[] };
  for (const stage of [...state.stages].reverse()) {
    const file = path.join(stagesDir, stage.name, 'evaluation.json');
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) return { file, evaluation: JSON.parse(text) as Evaluation };
  }
  throw new GraphFlowError('GF_RESUME_INVALID', `${runDir} has no stage that wrote evaluation.json: a paired comparison needs per-image results`, { file: runDir });
}

function perImage(evaluation: Evaluation, model: string, metric: string, file: string): Map<string, number> {
  const result = evaluation[model];
  if (!result?.cases) throw new GraphFlowError('GF_MANIFEST_REF', `${file} has no per-image results of ${model}`, { file });
  const out = new Map<string, number>();
  for (const c of result.cases) {
    const v = c.metrics[metric]?.mean;
    if (typeof v === 'number' && Number.isFinite(v)) out.set(c.id, v);
  }
  return out;
}

/** Every run of a row (one per seed, or the row itself without seeds), with whether it finished. */
export function runsOf(row: AblationRow): { seed: number | undefined; runDir: string; done: boolean }[] {
  return row.seeds ? row.seeds.map((s) => ({ seed: s.seed, runDir: s.runDir, done: s.status === 'done' })) : [{ seed: undefined, runDir: row.runDir, done: row.status === 'done' }];
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/**
 * Every variant against `baseline`, paired the strict way: the same seed (initial weights and batches) and the
 * same image, so neither the seed-to-seed spread nor easy and hard images blur the difference. `model` is the
 * network the ablated stage trains; `reference` (e.g. `models.teacher`) gives the gap-closed column.
 */
export async function pairedRows(result: AblationResult, baseline: string, metric: string, model: string, reference?: string): Promise<PairedRow[]> {
  const base = result.rows.find((r) => r.variant === baseline);
  if (!base) throw new GraphFlowError('GF_MANIFEST_REF', `no variant named "${baseline}" to compare against (variants: ${result.rows.map((r) => r.variant).join(', ')})`);
  const baseRuns = new Map<number | undefined, Map<string, number>>();
  let referenceMean: number | undefined;
  for (const run of runsOf(base).filter((r) => r.done)) {
    const { file, evaluation } = await readEvaluation(run.runDir);
    baseRuns.set(run.seed, perImage(evaluation, model, metric, file));
    if (reference !== undefined && referenceMean === undefined && evaluation[reference]) referenceMean = mean([...perImage(evaluation, reference, metric, file).values()]);
  }
  const better = LOWER_IS_BETTER.has(metric) ? (d: number) => d < 0 : (d: number) => d > 0;
  const rows: PairedRow[] = [];
  for (const row of result.rows) {
    if (row === base) continue;
    const bySeed: { seed: number | undefined; diffs: Map<string, number> }[] = [];
    const candidateValues: number[] = [];
    const baselineValues: number[] = [];
    for (const run of runsOf(row).filter((r) => r.done)) {
      const against = baseRuns.get(run.seed);
      if (!against) continue;
      const { file, evaluation } = await readEvaluation(run.runDir);
      const seedDiffs = new Map<string, number>();
      bySeed.push({ seed: run.seed, diffs: seedDiffs });
      for (const [id, v] of perImage(evaluation, model, metric, file)) {
        const b = against.get(id);
        if (b === undefined) continue;
        seedDiffs.set(id, v - b);
        candidateValues.push(v);
        baselineValues.push(b);
      }
    }
    const seeds = bySeed.filter((s) => s.diffs.size > 0);
    const ids = [...new Set(seeds.flatMap((s) => [...s.diffs.keys()]))];
    const diffs = ids.map((id) => mean(seeds.flatMap((s) => (s.diffs.has(id) ? [s.diffs.get(id)!] : []))));
    if (diffs.length === 0) continue;
    const meanDifference = mean(diffs);
    const everySeed = ids.filter((id) => seeds.every((s) => s.diffs.has(id)));
    const gap = referenceMean !== undefined ? referenceMean - mean(baselineValues) : undefined;
    rows.push({
      variant: row.variant,
      metric,
      images: diffs.length,
      wins: diffs.filter(better).length,
      losses: diffs.filter((d) => d !== 0 && !better(d)).length,
      meanDifference,
      ci: bootstrapMeanInterval(diffs),
      ciSeedsAndImages: bootstrapSeedsAndCasesInterval(seeds.map((s) => everySeed.map((id) => s.diffs.get(id)!))),
      perSeed: seeds.map((s) => ({ seed: s.seed, difference: mean([...s.diffs.values()]) })),
      ...(gap !== undefined && gap !== 0 ? { gapClosed: (mean(candidateValues) - mean(baselineValues)) / gap } : {}),
    });
  }
  return rows;
}

const pct = (v: number) => (Number.isFinite(v) ? (v * 100).toFixed(2) : 'n/a');

/** The paired table as Markdown; fractions (Dice, IoU, accuracy) shown in points, other metrics as they are. */
export function renderPairedMarkdown(rows: readonly PairedRow[], baseline: string): string {
  if (rows.length === 0) return '';
  const metric = rows[0]!.metric;
  const fraction = !LOWER_IS_BETTER.has(metric);
  const show = (v: number) => (fraction ? pct(v) : Number.isFinite(v) ? v.toFixed(2) : 'n/a');
  const lines = [
    `## Paired against "${baseline}" (${metric}${fraction ? ', points' : ''})`,
    '',
    'Each test image\'s difference to the baseline at the same seed, averaged over the seeds. Two 95 % bootstrap intervals:',
    'over images only (takes the seeds\' average as exact), and with seeds and images resampled (carries the',
    'seed-to-seed spread; with few seeds the one to trust). "per seed": the mean difference at each seed.',
    '',
    `| variant | mean difference | 95 % interval, images | 95 % interval, seeds and images | per seed | better / worse images | gap closed |`,
    '|---|---:|---|---|---|---|---:|',
  ];
  for (const r of rows) {
    const gap = r.gapClosed !== undefined ? `${(r.gapClosed * 100).toFixed(0)} %` : '—';
    const interval = (ci: [number, number]) => `[${show(ci[0])}, ${show(ci[1])}]`;
    const seeds = r.perSeed.map((s) => show(s.difference)).join(', ');
    lines.push(`| ${r.variant} | ${show(r.meanDifference)} | ${interval(r.ci)} | ${interval(r.ciSeedsAndImages)} | ${seeds} | ${r.wins} / ${r.losses} of ${r.images} | ${gap} |`);
  }
  return `${lines.join('\n')}\n`;
}
