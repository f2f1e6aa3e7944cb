import sharp from 'sharp';
import * as path from 'node:path';
import { GraphFlowError, type Sample } from '@graphflow/core';

export interface ImageFileOptions {
  channels: number;
  /** Network input size [height, width]; images are resized to it (bilinear). */
  size: readonly [number, number];
  /**
   * `zscore`: per-image zero mean, unit variance; `unit`: scale 0–255 to 0–1; `none`: raw 0–255.
   * Must match the preprocessing the model was trained with.
   */
  normalize: 'zscore' | 'unit' | 'none';
}

/** Decodes image files with sharp (PNG, JPEG, TIFF, WebP, GIF …) into samples ready for a model. */
export async function loadImageFiles(files: readonly string[], options: ImageFileOptions): Promise<Sample[]> {
  const [h, w] = options.size;
  const samples: Sample[] = [];
  for (const file of files) {
    let raw: Buffer;
    try {
      let img = sharp(file).removeAlpha().resize(w, h, { fit: 'fill', kernel: 'linear' });
      img = options.channels === 1 ? img.grayscale() : img.toColourspace('srgb');
      raw = await img.raw().toBuffer();
    } catch (e) {
      throw new GraphFlowError('GF_DATA_INVALID', `cannot decode image ${file}: ${(e as Error).message}`, { file, cause: e });
    }
    const per = raw.length / (h * w);
    if (per !== options.channels) {
      throw new GraphFlowError('GF_DATA_INVALID', `${file} decodes to ${per} channel(s), the model takes ${options.channels}`, { file });
    }
    const image = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) image[i] = options.normalize === 'unit' ? raw[i]! / 255 : raw[i]!;
    if (options.normalize === 'zscore') {
      let mean = 0;
      for (const v of image) mean += v;
      mean /= image.length;
      let variance = 0;
      for (const v of image) variance += (v - mean) ** 2;
      const std = Math.sqrt(variance / image.length) || 1;
      for (let i = 0; i < image.length; i++) image[i] = (image[i]! - mean) / std;
    }
    const id = path.basename(file).replace(/\.[^.]+$/, '');
    samples.push({ id, group: id, height: h, width: w, channels: options.channels, image });
  }
  return samples;
}
