import sharp from 'sharp';
import type { Raster } from './raster';

/** File suffixes sharp (libvips) can decode in this build; BMP is absent because libvips has no BMP loader without ImageMagick. */
export const IMAGE_SUFFIXES: readonly string[] = ['.png', '.jpg', '.jpeg', '.jpe', '.jfif', '.tif', '.tiff', '.gif', '.webp'];

export function isImageFile(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_SUFFIXES.some((s) => lower.endsWith(s));
}

export interface ImageHeader {
  width: number;
  height: number;
  /** Colour channels without alpha. */
  channels: number;
  bitsPerSample: number;
  format: string;
}

/** Read only the header: cheap, and enough to detect unreadable files and size mismatches. */
export async function probeImageFile(file: string): Promise<ImageHeader> {
  const m = await sharp(file).metadata();
  if (!m.width || !m.height) throw new Error('image has no width/height');
  const colour = (m.channels ?? 1) - (m.hasAlpha ? 1 : 0);
  return { width: m.width, height: m.height, channels: colour >= 3 ? 3 : 1, bitsPerSample: m.depth === 'ushort' ? 16 : 8, format: m.format ?? 'unknown' };
}

/**
 * Decode any sharp-supported image into a Raster with 1 (grey) or 3 (RGB) channels, alpha dropped.
 * 16-bit files keep their full range: libvips' default sRGB conversion would squeeze them to 8 bits,
 * so the target colourspace is chosen from the header (grey16/rgb16 vs b-w/srgb).
 * Palette and 1-bit images come out expanded to their colours (0/255 for 1-bit).
 */
export async function decodeImageFile(file: string): Promise<Raster> {
  const header = await probeImageFile(file);
  const wide = header.bitsPerSample === 16;
  const space = header.channels === 1 ? (wide ? 'grey16' : 'b-w') : wide ? 'rgb16' : 'srgb';
  // failOn 'truncated' so a cut-off file is an error, not a silently half-grey image.
  const { data, info } = await sharp(file, { failOn: 'truncated' })
    .removeAlpha()
    .toColourspace(space)
    .raw({ depth: wide ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const values = wide ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : data;
  return {
    width: info.width,
    height: info.height,
    channels: info.channels,
    data: Float32Array.from(values),
    maxValue: wide ? 65535 : 255,
    file,
  };
}
