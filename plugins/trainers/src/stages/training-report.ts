import type { ModelSummary, StageContext, StageResult } from '@graphflow/core';
import type { HistoryRecord, LoopResult } from '../training/training-loop';
import { formatFlops, formatParams } from './format-size';

/** What an interrupted training stage returns: no final weights, just where it stopped. */
export function interruptedReport(ctx: StageContext, result: LoopResult): StageResult {
  return {
    metrics: { steps: result.steps, interrupted: 1 },
    report: `### ${ctx.name}\n\nInterrupted after ${result.steps} updates; the latest checkpoint is in \`${ctx.dir}/checkpoints\`.`,
  };
}

/** The StageResult of a training stage: final/best metrics, timing, model sizes and a Markdown section. */
export function trainingReport(
  ctx: StageContext,
  result: LoopResult,
  extra: { models: Record<string, ModelSummary>; artifacts: string[]; wallSeconds: number },
): StageResult {
  const last = result.history[result.history.length - 1];
  const metrics: Record<string, number | Record<string, number>> = { steps: result.steps, trainSeconds: round(result.trainSeconds) };
  if (last) metrics['finalLoss'] = last.terms;
  const lastVal = result.validations[result.validations.length - 1];
  if (lastVal) metrics['validation'] = lastVal.metrics;
  if (result.best) metrics['best'] = { ...result.best };
  const lines = [`### ${ctx.name}`, '', `- updates: ${result.steps} (${result.epochs} epoch(s))${result.stoppedEarly ? ', stopped early' : ''}${result.resumedFrom ? ', resumed' : ''}`];
  lines.push(`- training time: ${round(result.trainSeconds)} s`);
  if (result.best) lines.push(`- weights kept: best validation (${fmt(result.best.value)} at update ${result.best.step})`);
  for (const [ref, s] of Object.entries(extra.models)) {
    lines.push(`- ${ref}: ${s.architecture}, ${formatParams(s.params)} params, ${formatFlops(s.flops)}FLOPs at ${s.inputShape[0]}×${s.inputShape[1]}`);
  }
  const table = termTable(result.history);
  if (table.length > 0) lines.push('', ...table);
  for (const a of extra.artifacts.filter((f) => f.endsWith('.png'))) lines.push('', `![${ctx.name}](${a})`);
  return { metrics, artifacts: extra.artifacts, report: lines.join('\n'), models: extra.models, seconds: round(extra.wallSeconds) };
}

/** Logged values that are bookkeeping, not terms. */
const NOT_TERMS = new Set(['lr', 'gradNorm', 'total']);
const SHARE = '/gradShare';

/**
 * Markdown table of every logged term: its value on the first update (computed before that update, i.e. for the
 * untrained student), at the end (mean over the last tenth of the updates, which reads better than one noisy batch),
 * and its gradient share when diagnostics measured it. Sub-values (`graph-flow/vertex`, `adversarial/accuracy` …) follow
 * their term. Empty for a run without history.
 */
export function termTable(history: readonly HistoryRecord[]): string[] {
  if (history.length === 0) return [];
  const names = [...new Set(history.flatMap((h) => Object.keys(h.terms)))].filter((n) => !NOT_TERMS.has(n) && !n.endsWith(SHARE) && !n.endsWith('/gradNorm'));
  const terms = names.filter((n) => !n.includes('/'));
  const ordered = [...terms.flatMap((t) => [t, ...names.filter((n) => n.startsWith(`${t}/`))]), ...names.filter((n) => n.includes('/') && !terms.includes(n.split('/')[0]!))];
  const tail = Math.max(1, Math.round(history.length / 10));
  const series = (name: string) => history.filter((h) => Number.isFinite(h.terms[name])).map((h) => h.terms[name]!);
  const rows = ordered.map((name) => {
    const values = series(name);
    if (values.length === 0) return undefined;
    const last = values.slice(-tail);
    const shares = series(`${name}${SHARE}`);
    const share = shares.length === 0 ? '' : shares.length === 1 ? pct(shares[0]!) : `${pct(shares[0]!)} → ${pct(shares.at(-1)!)}`;
    return `| ${name} | ${fmt(values[0]!)} | ${fmt(last.reduce((a, b) => a + b, 0) / last.length)} | ${share} |`;
  });
  return [
    `| term | first update (untrained student) | end (mean of last ${tail}) | gradient share (first → last measured) |`,
    '|---|---:|---:|---:|',
    ...rows.filter((r): r is string => r !== undefined),
  ];
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)} %`;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3);
}
