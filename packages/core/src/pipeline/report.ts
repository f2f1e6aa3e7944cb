import type { BackendInfo } from '../contracts/backend';
import type { StageResult } from '../contracts/stage';

export interface StageRecord {
  name: string;
  type: string;
  status: 'done' | 'failed' | 'interrupted' | 'skipped' | 'restored' | 'reused';
  startedAt?: string;
  finishedAt?: string;
  seconds?: number;
  result?: StageResult;
  error?: { code: string; message: string };
}

export interface RunReport {
  name: string;
  runDir: string;
  manifest: string;
  status: 'done' | 'failed' | 'interrupted';
  startedAt: string;
  finishedAt: string;
  seconds: number;
  seed: number;
  backend?: BackendInfo;
  smoke: boolean;
  stages: StageRecord[];
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(4);
}

/** The run report as Markdown: run facts, then each stage's metrics and its own report section. */
export function renderReportMarkdown(report: RunReport): string {
  const lines: string[] = [];
  lines.push(`# GraphFlow run: ${report.name}`, '');
  lines.push('| | |', '|---|---|');
  lines.push(`| status | ${report.status} |`);
  lines.push(`| started | ${report.startedAt} |`);
  lines.push(`| duration | ${report.seconds.toFixed(1)} s |`);
  lines.push(`| seed | ${report.seed} |`);
  if (report.backend) lines.push(`| backend | ${report.backend.name} (${report.backend.tfBackend} ${report.backend.version}, ${report.backend.threads} threads${report.backend.precision && report.backend.precision !== 'float32' ? `, ${report.backend.precision}` : ''}) |`);
  if (report.smoke) lines.push('| smoke run | yes (few steps; numbers are not meaningful) |');
  lines.push('');
  for (const stage of report.stages) {
    lines.push(`## Stage ${stage.name} (${stage.type}) — ${stage.status}${stage.seconds !== undefined ? `, ${stage.seconds.toFixed(1)} s` : ''}`, '');
    if (stage.error) lines.push(`Error ${stage.error.code}: ${stage.error.message}`, '');
    const metrics = stage.result?.metrics;
    if (metrics && Object.keys(metrics).length > 0) {
      const flat: [string, string][] = [];
      for (const [key, value] of Object.entries(metrics)) {
        if (typeof value === 'number') flat.push([key, formatValue(value)]);
        else for (const [sub, v] of Object.entries(value)) flat.push([`${key}.${sub}`, formatValue(v)]);
      }
      lines.push('| metric | value |', '|---|---|', ...flat.map(([k, v]) => `| ${k} | ${v} |`), '');
    }
    if (stage.result?.report) lines.push(stage.result.report.trim(), '');
    if (stage.result?.artifacts?.length) lines.push('Artifacts: ' + stage.result.artifacts.map((a) => `\`${a}\``).join(', '), '');
  }
  return `${lines.join('\n').trim()}\n`;
}
