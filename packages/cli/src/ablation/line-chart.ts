import sharp from 'sharp';
import { COLORS, escapeXml } from './bar-chart';
import type { VariantCurves } from './validation-curves';

/**
 * Validation curves of every variant on one axis: the mean over seeds as a thick line, each seed as a thin faint one
 * in the same colour, so a mean that hides one seed's collapse still shows it. Colours follow the bar chart's order.
 */
export function curvesChartSvg(title: string, metric: string, curves: readonly VariantCurves[]): string {
  const width = 900;
  const height = 440;
  const margin = { left: 64, right: 260, top: 40, bottom: 46 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const values = curves.flatMap((c) => c.runs.flatMap((r) => r.points.map((p) => p.value))).filter(Number.isFinite);
  const epochs = curves.flatMap((c) => c.runs.flatMap((r) => r.points.map((p) => p.epoch)));
  const minY = values.length ? Math.min(0, ...values) : 0;
  const maxY = values.length ? Math.max(...values) * 1.05 || 1 : 1;
  const maxEpoch = Math.max(1, ...epochs.map((e) => e + 1));
  const x = (epoch: number) => margin.left + ((epoch + 1) / maxEpoch) * plotW;
  const y = (v: number) => margin.top + plotH - ((v - minY) / (maxY - minY || 1)) * plotH;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">`, '<rect width="100%" height="100%" fill="white"/>'];
  parts.push(`<text x="${width / 2}" y="24" font-size="16" text-anchor="middle">${escapeXml(title)}</text>`);
  parts.push(`<line x1="${margin.left}" y1="${margin.top + plotH}" x2="${margin.left + plotW}" y2="${margin.top + plotH}" stroke="#333"/>`);
  parts.push(`<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotH}" stroke="#333"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = minY + ((maxY - minY) * i) / 4;
    parts.push(`<text x="${margin.left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end">${v.toPrecision(3)}</text>`);
  }
  for (const e of [...new Set([0, 1, 2, 3, 4].map((i) => Math.max(1, Math.round((maxEpoch * i) / 4))))]) {
    parts.push(`<text x="${x(e - 1).toFixed(1)}" y="${margin.top + plotH + 16}" font-size="11" text-anchor="middle">${e}</text>`);
  }
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 8}" font-size="12" text-anchor="middle">epoch</text>`);
  parts.push(`<text x="16" y="${margin.top + plotH / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${margin.top + plotH / 2})">validation ${escapeXml(metric)}</text>`);
  const line = (points: readonly { epoch: number; value: number }[]) =>
    points.filter((p) => Number.isFinite(p.value)).map((p) => `${x(p.epoch).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  curves.forEach((c, i) => {
    const color = COLORS[i % COLORS.length]!;
    for (const r of c.runs) parts.push(`<polyline fill="none" stroke="${color}" stroke-opacity="0.35" stroke-width="1" points="${line(r.points)}"/>`);
    if (c.mean.length > 0) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2.5" points="${line(c.mean)}"/>`);
    const ly = margin.top + 14 + i * 18;
    const lx = width - margin.right + 14;
    parts.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`);
    parts.push(`<text x="${lx + 26}" y="${ly}" font-size="12">${escapeXml(`${c.variant} (${c.runs.length} run${c.runs.length === 1 ? '' : 's'})`)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export async function curvesChartPng(title: string, metric: string, curves: readonly VariantCurves[]): Promise<Buffer> {
  return sharp(Buffer.from(curvesChartSvg(title, metric, curves))).png().toBuffer();
}
