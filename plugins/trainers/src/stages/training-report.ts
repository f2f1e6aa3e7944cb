import type { ModelSummary, StageContext, StageResult } from '@graphflow/core';
import type { LoopResult } from '../training/training-loop';
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
  for (const a of extra.artifacts.filter((f) => f.endsWith('.png'))) lines.push('', `![${ctx.name}](${a})`);
  return { metrics, artifacts: extra.artifacts, report: lines.join('\n'), models: extra.models, seconds: round(extra.wallSeconds) };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3);
}
