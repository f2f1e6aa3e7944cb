import sharp from 'sharp';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '@graphflow/core';

/** Rasterizes an SVG document with sharp (librsvg) and writes the PNG atomically. */
export async function writeSvgAsPng(svg: string, file: string): Promise<void> {
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, png);
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
