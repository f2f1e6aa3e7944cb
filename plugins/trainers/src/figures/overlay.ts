import sharp from 'sharp';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '@graphflow/core';
import { escapeXml } from './svg-to-png';

/** Class colours (index 0, background, is left transparent). */
const CLASS_COLORS: [number, number, number][] = [
  [0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180], [70, 240, 240],
  [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128], [220, 190, 255], [170, 110, 40],
];

export interface OverlayPanel {
  title: string;
  /** Class-index map (HW); omit for the plain image panel. */
  mask?: Uint8Array;
}

/**
 * Displayable RGB pixels of an HWC float image: RGB inputs (endoscopy, ultrasound in colour) keep their colours,
 * anything else is shown as the channel mean. Values are min–max scaled to 0–255 over the whole image, because inputs
 * are normalized (z-scored) and would otherwise be invisible.
 */
export function displayRgb(image: Float32Array, height: number, width: number, channels: number): Uint8Array {
  const n = height * width;
  const rgb = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (channels === 3) {
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = image[i * 3 + c]!;
    } else {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += image[i * channels + c]!;
      rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = sum / channels;
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of rgb) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const range = hi - lo || 1;
  return Uint8Array.from(rgb, (v) => Math.round(((v - lo) / range) * 255));
}

/** The image with mask classes (index ≥ 1) blended in at 50 %. */
export function blendMask(base: Uint8Array, mask: Uint8Array | undefined): Uint8Array {
  const out = Uint8Array.from(base);
  if (!mask) return out;
  for (let i = 0; i < mask.length; i++) {
    const cls = mask[i]!;
    if (cls === 0) continue;
    const color = CLASS_COLORS[((cls - 1) % (CLASS_COLORS.length - 1)) + 1]!;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = (out[i * 3 + c]! + color[c]!) >> 1;
  }
  return out;
}

/**
 * Side-by-side figure: image | ground truth | prediction(s), each panel titled, upscaled with nearest neighbour so
 * small inputs stay legible. Pixels are assembled here; PNG encoding and text rendering are sharp's.
 */
export async function renderOverlay(
  image: { data: Float32Array; height: number; width: number; channels: number },
  panels: readonly OverlayPanel[],
  file: string,
  minPanelSize = 192,
): Promise<void> {
  const base = displayRgb(image.data, image.height, image.width, image.channels);
  const scale = Math.max(1, Math.ceil(minPanelSize / Math.max(image.height, image.width)));
  const pw = image.width * scale;
  const ph = image.height * scale;
  const header = 24;
  const gap = 4;
  const totalW = panels.length * pw + (panels.length - 1) * gap;
  const totalH = ph + header;
  const tiles = await Promise.all(
    panels.map((p) =>
      sharp(Buffer.from(blendMask(base, p.mask)), { raw: { width: image.width, height: image.height, channels: 3 } })
        .resize(pw, ph, { kernel: 'nearest' })
        .png()
        .toBuffer(),
    ),
  );
  const titles = panels
    .map((p, i) => `<text x="${i * (pw + gap) + pw / 2}" y="17" font-family="sans-serif" font-size="14" text-anchor="middle">${escapeXml(p.title)}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${totalW}" height="${header}"><rect width="${totalW}" height="${header}" fill="white"/>${titles}</svg>`;
  const png = await sharp({ create: { width: totalW, height: totalH, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }, ...tiles.map((t, i) => ({ input: t, top: header, left: i * (pw + gap) }))])
    .png()
    .toBuffer();
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, png);
}

/** A class-index map as a PNG: value = class index (exact, for re-reading) or scaled to 0–255 for viewing. */
export async function writeMaskPng(mask: Uint8Array, height: number, width: number, file: string, numClasses: number, scaled: boolean): Promise<void> {
  const pixels = scaled && numClasses > 1 ? mask.map((v) => Math.round((v * 255) / (numClasses - 1))) : mask;
  // b-w keeps the file single-channel; without it libvips tags raw input as sRGB and writes three channels.
  const png = await sharp(Buffer.from(pixels), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, png);
}
