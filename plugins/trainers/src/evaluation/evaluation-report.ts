import type { Metric } from '@graphflow/core';
import type { EvaluationResult } from './evaluate-model';

/**
 * Markdown metrics table: one row per model, mean and per-class columns for every metric — the layout of the paper's
 * tables, ready to paste. Overlap metrics (higher is better) are shown in %, distances as they are.
 */
export function evaluationTable(results: Record<string, EvaluationResult>, metrics: readonly Metric[]): string {
  const entries = Object.entries(results);
  if (entries.length === 0) return '';
  const first = entries[0]![1];
  const percent = new Set(metrics.filter((m) => m.higherIsBetter).map((m) => m.name));
  const metricNames = Object.keys(first.summary);
  const classes = first.classNames.slice(1);
  // Wide per-class tables (e.g. 8 Synapse organs × 4 metrics) stay readable only up to a point.
  const perClass = classes.length > 1 && metricNames.length * classes.length <= 40;
  const header = ['model', ...metricNames.flatMap((m) => [`${m}${percent.has(m) ? ' %' : ''}`, ...(perClass ? classes.map((c) => `${m} ${c}`) : [])])];
  const rows = entries.map(([model, r]) => [
    model,
    ...metricNames.flatMap((m) => {
      const v = r.summary[m]!;
      const f = (x: number) => (Number.isNaN(x) ? '–' : percent.has(m) ? (x * 100).toFixed(2) : x.toFixed(2));
      return [f(v.mean), ...(perClass ? v.perClass.slice(1).map(f) : [])];
    }),
  ]);
  const unit = first.unit === 'volume' ? `${first.volumes!.length} volumes (3-D)` : `${first.cases.length} images`;
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`), '', `Means over ${unit} of the ${first.partition} split (foreground classes).`].join('\n');
}
