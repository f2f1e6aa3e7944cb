import sharp from 'sharp';

export interface BarSeries {
  metric: string;
  /** `error`: half-length of an error bar drawn around `value` (e.g. the sd over seeds). */
  values: { label: string; value: number; error?: number }[];
}

/** One colour per variant, in row order; the curves chart uses the same so a variant keeps its colour. */
export const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A grouped bar chart (one panel per metric, one bar per variant) as SVG, rasterized to PNG by sharp/librsvg. */
export function barChartSvg(title: string, series: BarSeries[]): string {
  const panelW = 360;
  const panelH = 260;
  const margin = { top: 50, left: 50, bottom: 90 };
  const width = margin.left + series.length * (panelW + 30);
  const height = margin.top + panelH + margin.bottom;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">`, `<rect width="100%" height="100%" fill="white"/>`];
  parts.push(`<text x="${width / 2}" y="24" font-size="16" text-anchor="middle">${escapeXml(title)}</text>`);
  series.forEach((s, p) => {
    const x0 = margin.left + p * (panelW + 30);
    const finite = s.values.map((v) => (v.error !== undefined ? v.value + v.error : v.value)).filter(Number.isFinite);
    const max = finite.length ? Math.max(...finite) : 1;
    const top = max > 0 ? max * 1.1 : 1;
    const barW = panelW / Math.max(1, s.values.length);
    parts.push(`<text x="${x0 + panelW / 2}" y="${margin.top - 8}" font-size="13" text-anchor="middle">${escapeXml(s.metric)}</text>`);
    parts.push(`<line x1="${x0}" y1="${margin.top + panelH}" x2="${x0 + panelW}" y2="${margin.top + panelH}" stroke="#333"/>`);
    s.values.forEach((v, i) => {
      const h = Number.isFinite(v.value) ? (v.value / top) * panelH : 0;
      const x = x0 + i * barW + barW * 0.15;
      const y = margin.top + panelH - h;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[i % COLORS.length]}"/>`);
      let labelY = y;
      if (v.error !== undefined && Number.isFinite(v.error) && Number.isFinite(v.value)) {
        const cx = x + barW * 0.35;
        const hi = margin.top + panelH - ((v.value + v.error) / top) * panelH;
        const lo = Math.min(margin.top + panelH, margin.top + panelH - ((v.value - v.error) / top) * panelH);
        parts.push(`<path d="M${cx.toFixed(1)} ${lo.toFixed(1)}V${hi.toFixed(1)}M${(cx - 5).toFixed(1)} ${hi.toFixed(1)}h10M${(cx - 5).toFixed(1)} ${lo.toFixed(1)}h10" stroke="#333" fill="none"/>`);
        labelY = hi;
      }
      parts.push(`<text x="${(x + barW * 0.35).toFixed(1)}" y="${(labelY - 4).toFixed(1)}" font-size="10" text-anchor="middle">${Number.isFinite(v.value) ? v.value.toFixed(3) : 'n/a'}</text>`);
      const lx = x + barW * 0.35;
      const ly = margin.top + panelH + 12;
      parts.push(`<text x="${lx.toFixed(1)}" y="${ly}" font-size="10" text-anchor="end" transform="rotate(-35 ${lx.toFixed(1)} ${ly})">${escapeXml(v.label)}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export async function barChartPng(title: string, series: BarSeries[]): Promise<Buffer> {
  return sharp(Buffer.from(barChartSvg(title, series))).png().toBuffer();
}
