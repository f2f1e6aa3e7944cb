import { testComponentContext } from '@graphflow/core/testing';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { buildNpz, encodeNpy, loadH5wasm } from '../src/index';

/** A fresh temp folder per test file, removed by the caller's `after`. */
export async function tempDir(label: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `gf-data-${label}-`));
}

export type Pixels = Uint8Array | Uint16Array;

/** Encode grey pixels [h,w] (8- or 16-bit) or RGB [h,w,3] into `format` with sharp and write them. */
export async function writeImage(
  file: string,
  pixels: Pixels,
  width: number,
  height: number,
  format: 'png' | 'png16' | 'palette' | 'png1' | 'tiff-lzw' | 'gif' | 'jpeg' | 'webp',
  channels: 1 | 3 = 1,
): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  let img = sharp(pixels, { raw: { width, height, channels } });
  const grey = channels === 1;
  switch (format) {
    case 'png': img = (grey ? img.toColourspace('b-w') : img).png(); break;
    case 'png16': img = img.toColourspace(grey ? 'grey16' : 'rgb16').png(); break;
    case 'palette': img = img.png({ palette: true, colours: 16, dither: 0, effort: 1 }); break;
    case 'png1': img = img.png({ palette: true, colours: 2, dither: 0 }); break;
    case 'tiff-lzw': img = (grey ? img.toColourspace('b-w') : img).tiff({ compression: 'lzw' }); break;
    case 'gif': img = img.gif({ dither: 0 }); break;
    case 'jpeg': img = (grey ? img.toColourspace('b-w') : img).jpeg({ quality: 95 }); break;
    case 'webp': img = img.webp({ lossless: true }); break;
  }
  await img.toFile(file);
}

/** A [h,w] binary square mask (255 inside) with an image that is bright where the mask is set. */
export function squarePair(size: number, from: number, to: number): { image: Uint8Array; mask: Uint8Array } {
  const image = new Uint8Array(size * size);
  const mask = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = x >= from && x < to && y >= from && y < to;
      image[y * size + x] = inside ? 200 : 40 + ((x * 7 + y * 3) % 20);
      mask[y * size + x] = inside ? 255 : 0;
    }
  }
  return { image, mask };
}

export async function writeNpz(file: string, arrays: Record<string, { data: Float32Array | Uint8Array; shape: number[] }>): Promise<void> {
  const encoded: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(arrays)) encoded[k] = encodeNpy(v.data, v.shape);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, buildNpz(encoded));
}

export async function writeH5(file: string, arrays: Record<string, { data: Float32Array; shape: number[] }>): Promise<void> {
  const h5 = await loadH5wasm();
  await fs.mkdir(path.dirname(file), { recursive: true });
  const f = new h5.File(file, 'w');
  try {
    for (const [name, a] of Object.entries(arrays)) f.create_dataset({ name, data: a.data, shape: a.shape, dtype: '<f' });
  } finally {
    f.close();
  }
}

/** A component context for calling component factories directly (run seed 0, no references or nested components). */
export function fakeContext(path = 'data'): import('@graphflow/core').ComponentContext {
  return testComponentContext({ seed: 0, path });
}
