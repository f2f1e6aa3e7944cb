import * as path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic, writeJsonAtomic, type Partition, type Sample, type SegmentationData } from '@graphflow/core';

export interface PartitionReport {
  samples: number;
  groups: number;
  /** Fraction of pixels per class (labeled partitions only), indexed by class. */
  classPixelFrequency?: number[];
}

export interface DataInspection {
  numClasses: number;
  classNames: string[];
  channels: number;
  inputSize: [number, number];
  partitions: Record<Partition, PartitionReport>;
  /** Original (file) sizes as "HxW" → number of samples. */
  imageSizes: Record<string, number>;
  skipped: { files: string[]; reason: string }[];
  /** Files written, relative to outDir. */
  files: { report: string; contactSheet: string | null };
}

/** Overlay colours per class (class 0 is not drawn); chosen to stay distinct on grey images. */
const PALETTE: readonly [number, number, number][] = [[0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180], [70, 240, 240], [240, 50, 230], [210, 245, 60]];

const PARTITIONS: readonly Partition[] = ['train', 'val', 'test', 'unlabeled'];

/**
 * Summarize a dataset into `outDir`: `data-report.json` (counts and groups per partition, class pixel
 * frequencies, original image sizes, skipped files) and `contact-sheet.png` (up to `samples` labeled
 * samples with their masks overlaid). Reads every labeled sample once; never reads unlabeled masks.
 */
export async function inspectData(data: SegmentationData, outDir: string, options: { samples?: number } = {}): Promise<DataInspection> {
  const sheetCount = options.samples ?? 8;
  const partitions = {} as Record<Partition, PartitionReport>;
  const imageSizes: Record<string, number> = {};
  const sheet: Sample[] = [];
  for (const part of PARTITIONS) {
    const counts = new Float64Array(data.numClasses);
    const groups = new Set<string>();
    let n = 0;
    for await (const s of data.samples(part)) {
      n++;
      groups.add(s.group);
      const orig = (s.meta?.originalSize as [number, number] | undefined) ?? [s.height, s.width];
      const key = `${orig[0]}x${orig[1]}`;
      imageSizes[key] = (imageSizes[key] ?? 0) + 1;
      if (s.mask) {
        for (const v of s.mask) counts[v]! += 1;
        if (sheet.length < sheetCount) sheet.push(s);
      }
    }
    const total = counts.reduce((a, b) => a + b, 0);
    partitions[part] = { samples: n, groups: groups.size, ...(part !== 'unlabeled' && total > 0 ? { classPixelFrequency: [...counts].map((c) => c / total) } : {}) };
  }
  let contactSheet: string | null = null;
  if (sheet.length > 0) {
    contactSheet = 'contact-sheet.png';
    await writeFileAtomic(path.join(outDir, contactSheet), await renderContactSheet(sheet));
  }
  const report: DataInspection = {
    numClasses: data.numClasses,
    classNames: [...data.classNames],
    channels: data.channels,
    inputSize: [data.inputSize[0], data.inputSize[1]],
    partitions,
    imageSizes,
    skipped: data.skipped().map((s) => ({ files: [...s.files], reason: s.reason })),
    files: { report: 'data-report.json', contactSheet },
  };
  await writeJsonAtomic(path.join(outDir, 'data-report.json'), report);
  return report;
}

/** Tiles [H,W] of each sample side by side in rows of 4: the image (min-max scaled, grey or RGB) with a 45 % mask overlay. */
export async function renderContactSheet(samples: readonly Sample[]): Promise<Buffer> {
  const h = samples[0]!.height;
  const w = samples[0]!.width;
  const cols = Math.min(4, samples.length);
  const rows = Math.ceil(samples.length / cols);
  const gap = 2;
  const W = cols * w + (cols - 1) * gap;
  const H = rows * h + (rows - 1) * gap;
  const out = Buffer.alloc(W * H * 3, 255);
  samples.forEach((s, k) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of s.image) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const ox = (k % cols) * (w + gap);
    const oy = Math.floor(k / cols) * (h + gap);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const o = ((oy + y) * W + ox + x) * 3;
        const cls = s.mask?.[i] ?? 0;
        for (let c = 0; c < 3; c++) {
          const v = (s.image[i * s.channels + (s.channels === 3 ? c : 0)]! - lo) * scale;
          out[o + c] = Math.round(cls > 0 ? 0.55 * v + 0.45 * PALETTE[cls % PALETTE.length]![c]! : v);
        }
      }
    }
  });
  return sharp(out, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
}
