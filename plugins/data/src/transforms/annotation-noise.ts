import { type Rng, type Sample, type SampleTransform, labeledRng } from '@graphflow/core';

export interface AnnotationNoiseOptions {
  /** Largest shift, in pixels, of a structure's outline (each structure draws its own shift in [-boundary, boundary]). */
  boundary: number;
  /** Probability that a structure is left out of the annotation entirely. */
  miss: number;
  /** Classes whose structures are perturbed; empty means every foreground class. */
  classes: number[];
  /** Seed of the simulated annotator: with the sample id it fixes the errors of each image. */
  seed: number;
}

export const ANNOTATION_NOISE_SCHEMA = {
  type: 'object',
  properties: {
    boundary: { type: 'integer', minimum: 0, maximum: 16, default: 1, description: 'Largest outline shift in pixels; each structure is grown or shrunk by a whole number of pixels drawn from [−boundary, boundary].' },
    miss: { type: 'number', minimum: 0, maximum: 1, default: 0, description: 'Probability that a structure (a connected region of one class) is missing from the annotation.' },
    classes: { type: 'array', items: { type: 'integer', minimum: 1 }, uniqueItems: true, default: [], description: 'Classes to perturb; empty: every foreground class.' },
    seed: { type: 'integer', default: 0, description: 'Seed of the simulated annotator (the errors of an image depend on it and the sample id only).' },
  },
  additionalProperties: false,
} as const;

/** Pixels of one connected region (4-neighbourhood) of a single class. */
interface Region {
  cls: number;
  pixels: number[];
}

function regions(mask: Uint8Array, h: number, w: number, perturbed: (cls: number) => boolean): Region[] {
  const seen = new Uint8Array(mask.length);
  const out: Region[] = [];
  const queue = new Int32Array(mask.length);
  for (let start = 0; start < mask.length; start++) {
    const cls = mask[start]!;
    if (seen[start] || cls === 0 || !perturbed(cls)) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    seen[start] = 1;
    const pixels: number[] = [];
    while (head < tail) {
      const p = queue[head++]!;
      pixels.push(p);
      for (const q of neighbours(p, h, w)) {
        if (!seen[q] && mask[q] === cls) {
          seen[q] = 1;
          queue[tail++] = q;
        }
      }
    }
    out.push({ cls, pixels });
  }
  return out;
}

function neighbours(p: number, h: number, w: number): number[] {
  const y = Math.floor(p / w);
  const x = p - y * w;
  const out: number[] = [];
  if (x > 0) out.push(p - 1);
  if (x < w - 1) out.push(p + 1);
  if (y > 0) out.push(p - w);
  if (y < h - 1) out.push(p + w);
  return out;
}

/** The most frequent class just outside a region: what an annotator's missing or shrunken outline falls back to. */
function surroundingClass(mask: Uint8Array, inRegion: Set<number>, h: number, w: number): number {
  const counts = new Map<number, number>();
  for (const p of inRegion) {
    for (const q of neighbours(p, h, w)) if (!inRegion.has(q)) counts.set(mask[q]!, (counts.get(mask[q]!) ?? 0) + 1);
  }
  let best = 0;
  let most = -1;
  for (const [cls, n] of counts) if (n > most || (n === most && cls < best)) [best, most] = [cls, n];
  return best;
}

/**
 * Simulated annotation errors on the mask [H,W] (the image [H,W,C] is untouched; shapes unchanged): each structure's
 * outline is moved in or out by a few pixels and some structures are missed, as in real manual annotations.
 * The errors are fixed per image (seeded by `seed` and the sample id, not by the augmentation stream), so every
 * epoch sees the same flawed annotation, like a dataset labeled once; list it first in `augment`, before geometric
 * transforms, so that holds whatever they do. As an `augment` transform it touches training batches only:
 * validation, test and evaluation read the exact masks.
 */
export class AnnotationNoiseTransform implements SampleTransform {
  readonly name = 'annotation-noise';
  constructor(private readonly options: AnnotationNoiseOptions) {}

  apply(sample: Sample, _rng: Rng): Sample {
    if (!sample.mask) return sample;
    const { height: h, width: w } = sample;
    const rng = labeledRng(this.options.seed, 'annotation-noise', sample.id);
    const only = new Set(this.options.classes);
    const mask = Uint8Array.from(sample.mask);
    for (const region of regions(sample.mask, h, w, (c) => only.size === 0 || only.has(c))) {
      // Draw both numbers for every region so one option does not change the other's errors.
      const missed = rng.next() < this.options.miss;
      const shift = rng.int(2 * this.options.boundary + 1) - this.options.boundary;
      const inside = new Set(region.pixels);
      const around = surroundingClass(mask, inside, h, w);
      if (missed) {
        for (const p of inside) mask[p] = around;
        continue;
      }
      for (let step = 0; step < Math.abs(shift); step++) {
        const ring: number[] = [];
        if (shift > 0) {
          // Grow only over the surrounding class, so a structure never swallows a neighbouring one.
          for (const p of inside) for (const q of neighbours(p, h, w)) if (!inside.has(q) && mask[q] === around) ring.push(q);
          for (const q of ring) {
            inside.add(q);
            mask[q] = region.cls;
          }
        } else {
          for (const p of inside) if (neighbours(p, h, w).some((q) => !inside.has(q))) ring.push(p);
          for (const p of ring) {
            inside.delete(p);
            mask[p] = around;
          }
        }
      }
    }
    return { ...sample, mask };
  }
}
