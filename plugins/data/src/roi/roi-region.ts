import type { Raster } from '../decode/raster';

/** 1 where channel `channel` of the raw file values is above `above`. */
export function thresholdRegion(raster: Raster, channel: number, above: number): Uint8Array {
  const n = raster.width * raster.height;
  const c = raster.channels;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = raster.data[i * c + channel]! > above ? 1 : 0;
  return out;
}

/** An ROI mask file read as inside where its first channel is at least half the storage range (> 0 for float files). */
export function fileRegion(raster: Raster): Uint8Array {
  const n = raster.width * raster.height;
  const c = raster.channels;
  const level = raster.maxValue === null ? Number.MIN_VALUE : (raster.maxValue + 1) / 2;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = raster.data[i * c]! >= level ? 1 : 0;
  return out;
}

/** 1-D erosion of every line of `src` (stride between pixels `step`, `len` pixels per line, `lines` lines `lineStep` apart). */
function erodeLines(src: Uint8Array, out: Uint8Array, len: number, step: number, lines: number, lineStep: number, r: number): void {
  const run = new Int32Array(len);
  for (let l = 0; l < lines; l++) {
    const base = l * lineStep;
    // run[i]: consecutive inside pixels ending at i, so a window is all inside iff the run at its end spans it.
    for (let i = 0; i < len; i++) run[i] = src[base + i * step] ? (i > 0 ? run[i - 1]! : 0) + 1 : 0;
    for (let i = 0; i < len; i++) {
      const lo = Math.max(0, i - r);
      const hi = Math.min(len - 1, i + r);
      out[base + i * step] = src[base + i * step] && run[hi]! >= hi - lo + 1 ? 1 : 0;
    }
  }
}

/**
 * Shrink a binary region [h,w] by `r` pixels (square neighbourhood, separable). Outside the image does not count
 * as outside the region: a field of view cut by the image edge keeps its straight edge.
 */
export function erodeRegion(region: Uint8Array, h: number, w: number, r: number): Uint8Array {
  if (r <= 0) return region;
  const rows = new Uint8Array(region.length);
  erodeLines(region, rows, w, 1, h, w, r);
  const out = new Uint8Array(region.length);
  erodeLines(rows, out, h, w, w, 1, r);
  return out;
}
