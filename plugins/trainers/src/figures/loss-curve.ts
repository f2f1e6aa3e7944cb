import type { HistoryRecord } from '../training/training-loop';
import { escapeXml, writeSvgAsPng } from './svg-to-png';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
/** Logged values that are not losses and would squash the loss axis. */
const NOT_LOSSES = new Set(['lr', 'gradNorm']);
/** Sub-values that are fractions in [0, 1]: drawn in the diagnostics panel below the losses, never on the loss axis. */
const FRACTIONS = ['/gradShare', '/accuracy'];
/** Sub-values left out of the figure (other units; they are in the metrics file and the report). */
const NOT_DRAWN = ['/gradNorm', '/scoreTeacher', '/scoreStudent'];

interface Series {
  name: string;
  color: string;
  dashed: boolean;
  markers: boolean;
  points: [number, number][];
}

interface Panel {
  top: number;
  height: number;
  minY: number;
  maxY: number;
}

/**
 * Line chart of every loss term over updates, smoothed with a trailing moving average (raw per-step values of small
 * batches are too noisy to read), as an SVG rasterized to PNG. Parts of a term (`graph-flow/vertex`) and a
 * discriminator's own loss are thin dashed lines in their term's colour; gradient shares and discriminator accuracy,
 * when logged, get a panel of their own (0–1) under the losses so they do not drown the loss curves.
 */
export function lossCurveSvg(history: readonly HistoryRecord[], title: string, width = 860, height = 420): string {
  const allNames = [...new Set(history.flatMap((h) => Object.keys(h.terms)))].filter((n) => !NOT_LOSSES.has(n) && !NOT_DRAWN.some((s) => n.endsWith(s)));
  const isFraction = (n: string) => FRACTIONS.some((s) => n.endsWith(s));
  const baseOf = (n: string) => n.split('/')[0]!;
  const bases = [...new Set(allNames.map(baseOf))];
  const colorOf = (n: string) => PALETTE[bases.indexOf(baseOf(n)) % PALETTE.length]!;
  const window = Math.max(1, Math.round(history.length / 50));
  const make = (name: string): Series => {
    const raw = history.filter((h) => Number.isFinite(h.terms[name])).map((h) => [h.step, h.terms[name]!] as [number, number]);
    const sub = name.includes('/');
    // Sparse series (gradient shares every N updates) are drawn as measured, with markers.
    const sparse = raw.length < history.length / 2;
    return { name, color: colorOf(name), dashed: sub && !name.endsWith('/gradShare'), markers: sparse, points: sparse ? raw : smooth(raw, window) };
  };
  const losses = allNames.filter((n) => !isFraction(n)).map(make);
  const fractions = allNames.filter(isFraction).map(make);
  const withPanel = fractions.length > 0;
  const fullHeight = withPanel ? height + 190 : height;

  const margin = { left: 64, right: 240, top: 36, bottom: 44 };
  const plotW = width - margin.left - margin.right;
  const maxStep = Math.max(1, ...history.map((h) => h.step));
  const x = (s: number) => margin.left + (s / maxStep) * plotW;
  const lossValues = losses.flatMap((s) => s.points.map((p) => p[1]));
  const lossPanel: Panel = { top: margin.top, height: height - margin.top - margin.bottom, minY: Math.min(0, ...lossValues), maxY: Math.max(1e-9, ...lossValues) };
  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${fullHeight}" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="22" font-family="sans-serif" font-size="16" text-anchor="middle">${escapeXml(title)}</text>`);
  drawAxes(parts, lossPanel, margin.left, plotW, maxStep, x);
  drawSeries(parts, losses, lossPanel, x);
  legend(parts, losses, width - margin.right + 12, margin.top + 14);
  if (withPanel) {
    const panel: Panel = { top: height + 10, height: 140, minY: 0, maxY: 1 };
    parts.push(`<text x="${margin.left}" y="${panel.top - 4}" font-family="sans-serif" font-size="12">gradient share per term (markers) · discriminator accuracy (dashed; 0.5 = chance)</text>`);
    drawAxes(parts, panel, margin.left, plotW, maxStep, x);
    drawSeries(parts, fractions, panel, x);
    legend(parts, fractions, width - margin.right + 12, panel.top + 14);
  }
  parts.push(`<text x="${margin.left + plotW / 2}" y="${fullHeight - 8}" font-family="sans-serif" font-size="12" text-anchor="middle">update</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${fullHeight}">${parts.join('')}</svg>`;
}

function yOf(panel: Panel, v: number): number {
  return panel.top + panel.height - ((v - panel.minY) / (panel.maxY - panel.minY || 1)) * panel.height;
}

function drawAxes(parts: string[], panel: Panel, left: number, plotW: number, maxStep: number, x: (s: number) => number): void {
  const bottom = panel.top + panel.height;
  parts.push(`<line x1="${left}" y1="${bottom}" x2="${left + plotW}" y2="${bottom}" stroke="black"/>`);
  parts.push(`<line x1="${left}" y1="${panel.top}" x2="${left}" y2="${bottom}" stroke="black"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = panel.minY + ((panel.maxY - panel.minY) * i) / 4;
    parts.push(`<text x="${left - 6}" y="${yOf(panel, v) + 4}" font-family="sans-serif" font-size="11" text-anchor="end">${v.toPrecision(3)}</text>`);
  }
  // Integer update ticks only: fractional "updates" read as a bug.
  const tickSteps = [...new Set([0, 1, 2, 3, 4].map((i) => Math.round((maxStep * i) / 4)))];
  for (const s of tickSteps) parts.push(`<text x="${x(s)}" y="${bottom + 16}" font-family="sans-serif" font-size="11" text-anchor="middle">${s}</text>`);
}

function drawSeries(parts: string[], series: readonly Series[], panel: Panel, x: (s: number) => number): void {
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points.map(([step, v]) => `${x(step).toFixed(1)},${yOf(panel, v).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="${s.dashed ? 1.2 : 2}"${dash} points="${d}"/>`);
    if (s.markers) for (const [step, v] of s.points) parts.push(`<circle cx="${x(step).toFixed(1)}" cy="${yOf(panel, v).toFixed(1)}" r="3" fill="${s.color}"/>`);
  }
}

function legend(parts: string[], series: readonly Series[], left: number, top: number): void {
  series.forEach((s, i) => {
    const ly = top + i * 18;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<line x1="${left}" y1="${ly - 4}" x2="${left + 20}" y2="${ly - 4}" stroke="${s.color}" stroke-width="${s.dashed ? 1.5 : 3}"${dash}/>`);
    parts.push(`<text x="${left + 26}" y="${ly}" font-family="sans-serif" font-size="12">${escapeXml(s.name)}</text>`);
  });
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
