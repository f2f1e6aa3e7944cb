import * as tf from '@tensorflow/tfjs';
import type { SegmentationModel } from '@graphflow/core';
import { axisWeights, innerMargin } from './blend-weights';
import type { ImageArray, InferenceProfile } from './image-array';
import { paddedSize } from './padded-size';
import { tileStarts } from './tile-grid';

export interface SlidingWindowOptions {
  tile: readonly [number, number];
  overlap: number;
  blend: 'gaussian' | 'constant';
  /** Tiles per forward pass. */
  batchSize: number;
  /**
   * Region of interest (HW, 1 = counts): tiles without a single pixel inside are not run, and pixels no run tile
   * covers get background (class 0) probability 1. For evaluation, whose metrics leave those pixels out anyway — on
   * fundus photographs the corners outside the field of view are a fifth of the tiles.
   */
  skipOutside?: Uint8Array;
}

/**
 * Class probabilities [H·W·K] of a whole image from overlapping tiles (MONAI's sliding_window_inference, nnU-Net's
 * predict_sliding_window): the image is zero-padded to at least the tile and to the network's size multiple, tiles
 * start on a regular grid with the last one flush to the border, each tile's softmax is weighted (see blend-weights)
 * and summed into JS Float32Arrays, then divided by the summed weights and cropped back. Only `batchSize` tiles are
 * ever on the backend at once, so memory is bounded whatever the image size.
 */
export function slidingWindowProbabilities(model: SegmentationModel, image: ImageArray, options: SlidingWindowOptions, profile?: InferenceProfile): Float32Array {
  const { height: h, width: w, channels: c, data } = image;
  const [th, tw] = options.tile;
  const [ph, pw] = paddedSize(model, h, w, options.tile);
  const k = model.numClasses;
  const rows = tileStarts(ph, th, options.overlap);
  const cols = tileStarts(pw, tw, options.overlap);
  const roi = options.skipOutside;
  const tiles = rows.flatMap((y) => cols.map((x) => [y, x] as const)).filter(([y0, x0]) => !roi || anyInside(roi, w, y0, x0, Math.min(th, h - y0), Math.min(tw, w - x0)));
  const wy = axisWeights(th, options.blend);
  const wx = axisWeights(tw, options.blend);
  const my = innerMargin(th, options.overlap);
  const mx = innerMargin(tw, options.overlap);

  // Only pixels of the original image are accumulated: the padding is cropped away as it is produced.
  const sum = new Float32Array(h * w * k);
  const weight = new Float32Array(h * w);
  const batch = new Float32Array(Math.min(options.batchSize, tiles.length) * th * tw * c);
  const tileRowWeight = new Float64Array(th);
  const tileColWeight = new Float64Array(tw);

  for (let first = 0; first < tiles.length; first += options.batchSize) {
    const group = tiles.slice(first, first + options.batchSize);
    let t0 = performance.now();
    const input = batch.subarray(0, group.length * th * tw * c);
    input.fill(0);
    group.forEach(([y0, x0], b) => {
      const rowsIn = Math.min(th, h - y0);
      const colsIn = Math.min(tw, w - x0);
      for (let y = 0; y < rowsIn; y++) {
        const src = ((y0 + y) * w + x0) * c;
        input.set(data.subarray(src, src + colsIn * c), ((b * th + y) * tw) * c);
      }
    });
    const probabilities = tf.tidy(() => {
      const { logits } = model.forward(tf.tensor4d(input, [group.length, th, tw, c]), { training: false, taps: [] });
      return tf.softmax(logits).dataSync() as Float32Array;
    });
    if (profile) {
      profile.forwardMs += performance.now() - t0;
      profile.forwards++;
      t0 = performance.now();
    }
    group.forEach(([y0, x0], b) => {
      edgeWeights(wy, my, y0 > 0, y0 + th < ph, tileRowWeight);
      edgeWeights(wx, mx, x0 > 0, x0 + tw < pw, tileColWeight);
      const rowsIn = Math.min(th, h - y0);
      const colsIn = Math.min(tw, w - x0);
      for (let y = 0; y < rowsIn; y++) {
        const ry = tileRowWeight[y]!;
        if (ry === 0) continue;
        const out = (y0 + y) * w + x0;
        const src = (b * th + y) * tw;
        for (let x = 0; x < colsIn; x++) {
          const wt = ry * tileColWeight[x]!;
          if (wt === 0) continue;
          const p = out + x;
          weight[p]! += wt;
          const so = (src + x) * k;
          const po = p * k;
          for (let j = 0; j < k; j++) sum[po + j]! += wt * probabilities[so + j]!;
        }
      }
    });
    if (profile) profile.accumulateMs += performance.now() - t0;
  }
  const t0 = performance.now();
  for (let p = 0; p < h * w; p++) {
    if (weight[p] === 0) {
      // Only reachable with skipOutside: no tile covering this pixel was run.
      sum[p * k] = 1;
      continue;
    }
    const inv = 1 / weight[p]!;
    for (let j = 0; j < k; j++) sum[p * k + j]! *= inv;
  }
  if (profile) profile.accumulateMs += performance.now() - t0;
  return sum;
}

/** Whether any pixel of the rows × cols window at (y0, x0) of an image `width` wide is inside the roi. */
function anyInside(roi: Uint8Array, width: number, y0: number, x0: number, rows: number, cols: number): boolean {
  for (let y = 0; y < rows; y++) {
    const start = (y0 + y) * width + x0;
    for (let p = start; p < start + cols; p++) if (roi[p] !== 0) return true;
  }
  return false;
}

/** The axis weights of one tile: zero within `margin` of each side that lies inside the (padded) image. */
function edgeWeights(base: Float64Array, margin: number, innerStart: boolean, innerEnd: boolean, out: Float64Array): void {
  out.set(base);
  if (innerStart) out.fill(0, 0, margin);
  if (innerEnd) out.fill(0, base.length - margin);
}
