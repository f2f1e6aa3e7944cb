import type { HistoryRecord } from '../training/training-loop';
import { escapeXml, writeSvgAsPng } from './svg-to-png';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
/** Logged values that are not losses and would squash the loss axis. */
const NOT_LOSSES = new Set(['lr', 'gradNorm']);

/**
 * Line chart of every loss term over updates, smoothed with a trailing moving average (raw per-step values of small
 * batches are too noisy to read), as an SVG rasterized to PNG.
 */
export function lossCurveSvg(history: readonly HistoryRecord[], title: string, width = 860, height = 420): string {
  const names = [...new Set(history.flatMap((h) => Object.keys(h.terms)))].filter((n) => !NOT_LOSSES.has(n));
  const margin = { left: 64, right: 240, top: 36, bottom: 44 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const window = Math.max(1, Math.round(history.length / 50));
  const series = names.map((name) => smooth(history.filter((h) => Number.isFinite(h.terms[name])).map((h) => [h.step, h.terms[name]!] as [number, number]), window));
  const all = series.flat();
  const maxStep = Math.max(1, ...history.map((h) => h.step));
  const minY = Math.min(0, ...all.map((p) => p[1]));
  const maxY = Math.max(1e-9, ...all.map((p) => p[1]));
  const x = (s: number) => margin.left + (s / maxStep) * plotW;
  const y = (v: number) => margin.top + plotH - ((v - minY) / (maxY - minY || 1)) * plotH;
  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="22" font-family="sans-serif" font-size="16" text-anchor="middle">${escapeXml(title)}</text>`);
  parts.push(`<line x1="${margin.left}" y1="${margin.top + plotH}" x2="${margin.left + plotW}" y2="${margin.top + plotH}" stroke="black"/>`);
  parts.push(`<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotH}" stroke="black"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = minY + ((maxY - minY) * i) / 4;
    parts.push(`<text x="${margin.left - 6}" y="${y(v) + 4}" font-family="sans-serif" font-size="11" text-anchor="end">${v.toPrecision(3)}</text>`);
  }
  // Integer update ticks only: fractional "updates" read as a bug.
  const tickSteps = [...new Set([0, 1, 2, 3, 4].map((i) => Math.round((maxStep * i) / 4)))];
  for (const s of tickSteps) {
    parts.push(`<text x="${x(s)}" y="${margin.top + plotH + 16}" font-family="sans-serif" font-size="11" text-anchor="middle">${s}</text>`);
  }
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 8}" font-family="sans-serif" font-size="12" text-anchor="middle">update</text>`);
  series.forEach((points, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    if (points.length > 0) {
      const d = points.map(([s, v]) => `${x(s).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${d}"/>`);
    }
    const ly = margin.top + 14 + i * 18;
    parts.push(`<line x1="${width - margin.right + 12}" y1="${ly - 4}" x2="${width - margin.right + 32}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`);
    parts.push(`<text x="${width - margin.right + 38}" y="${ly}" font-family="sans-serif" font-size="12">${escapeXml(names[i]!)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

export async function writeLossCurve(history: readonly HistoryRecord[], title: string, file: string): Promise<void> {
  await writeSvgAsPng(lossCurveSvg(history, title), file);
}

function smooth(points: [number, number][], window: number): [number, number][] {
  if (window <= 1) return points;
  let sum = 0;
  return points.map(([s, v], i) => {
    sum += v;
    if (i >= window) sum -= points[i - window]![1];
    return [s, sum / Math.min(i + 1, window)];
  });
}
