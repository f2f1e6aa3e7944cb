import type { Raster } from '../decode/raster';

/**
 * How mask files store classes:
 * - `binary`: foreground where the first channel is >= `threshold` (in file units; default half the storage range),
 *   the only safe reading of lossy JPEG masks and anti-aliased edges; `invert` swaps fore- and background.
 * - `index`: the first channel holds the class index directly.
 * - `palette`: an RGB colour per class (`palette[k]` is class k); every pixel must match one within `tolerance`.
 * `ignore` is the raw value (palette: the colour) annotators used for "unknown": such pixels count nowhere.
 */
export type MaskEncoding =
  | { mode: 'binary'; threshold?: number; invert?: boolean; ignore?: number }
  | { mode: 'index'; ignore?: number }
  | { mode: 'palette'; palette: [number, number, number][]; tolerance?: number; ignore?: [number, number, number] };

export const MASK_ENCODING_SCHEMA = {
  type: 'object',
  description: 'How mask pixels encode classes: binary threshold, class-index map, or RGB colour palette.',
  properties: {
    mode: { enum: ['binary', 'index', 'palette'], description: 'binary: threshold the first channel; index: values are class indices; palette: RGB colour per class.' },
    threshold: { type: 'number', description: 'binary: pixels >= threshold are foreground, in file units (default: half of the storage range, e.g. 128 for 8-bit).' },
    invert: { type: 'boolean', description: 'binary (default false): pixels below the threshold are the foreground (e.g. dark membranes on bright cells).' },
    palette: {
      type: 'array',
      description: 'palette: palette[k] is the [r,g,b] colour of class k.',
      items: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 65535 }, minItems: 3, maxItems: 3, description: '[r,g,b]' },
    },
    tolerance: { type: 'number', minimum: 0, description: 'palette (default 0): largest per-channel difference still matching a colour (JPEG-compressed colour masks need > 0).' },
    ignore: {
      description: 'Raw mask value meaning "unknown, do not count" (e.g. 255 in index masks; palette: an [r,g,b] colour, matched within tolerance). Such pixels get class 0 and roi 0, so losses and metrics leave them out. No ignore value when omitted.',
      oneOf: [{ type: 'number' }, { type: 'array', items: { type: 'integer', minimum: 0, maximum: 65535 }, minItems: 3, maxItems: 3 }],
    },
  },
  required: ['mode'],
  additionalProperties: false,
  default: { mode: 'binary' },
} as const;

export interface EncodedMask {
  /** Class per pixel; 0 where ignored. */
  mask: Uint8Array;
  /** 1 where the pixel carries the ignore value; absent when the encoding has none. */
  ignored?: Uint8Array;
  /** Distinct offending raw values (or colours), at most a few, when pixels fall outside the declared classes. */
  invalid: string[];
}

/** Turn a decoded mask raster into class indices and report every value that is not a class < numClasses. */
export function encodeMask(raster: Raster, encoding: MaskEncoding, numClasses: number): EncodedMask {
  const n = raster.width * raster.height;
  const c = raster.channels;
  const src = raster.data;
  const mask = new Uint8Array(n);
  const ignored = encoding.ignore !== undefined ? new Uint8Array(n) : undefined;
  const invalid = new Set<string>();
  const note = (v: string): void => {
    if (invalid.size < 5) invalid.add(v);
  };
  if (encoding.mode === 'binary') {
    const threshold = encoding.threshold ?? ((raster.maxValue ?? 1) + (raster.maxValue === null ? 0 : 1)) / 2;
    const fg = encoding.invert ? 0 : 1;
    const skip = encoding.ignore;
    for (let i = 0; i < n; i++) {
      const v = src[i * c]!;
      if (v === skip) ignored![i] = 1;
      else mask[i] = v >= threshold ? fg : 1 - fg;
    }
    if (numClasses < 2) note('binary masks need numClasses >= 2');
  } else if (encoding.mode === 'index') {
    for (let i = 0; i < n; i++) {
      const v = src[i * c]!;
      if (v === encoding.ignore) ignored![i] = 1;
      else if (Number.isInteger(v) && v >= 0 && v < numClasses) mask[i] = v;
      else note(String(v));
    }
  } else {
    const palette = encoding.palette;
    const tol = encoding.tolerance ?? 0;
    const skip = encoding.ignore;
    if (c < 3) note(`palette masks need RGB files, got ${c} channel(s)`);
    else {
      for (let i = 0; i < n; i++) {
        const r = src[i * c]!;
        const g = src[i * c + 1]!;
        const b = src[i * c + 2]!;
        if (skip && Math.abs(skip[0] - r) <= tol && Math.abs(skip[1] - g) <= tol && Math.abs(skip[2] - b) <= tol) {
          ignored![i] = 1;
          continue;
        }
        let found = -1;
        for (let k = 0; k < palette.length && found < 0; k++) {
          const p = palette[k]!;
          if (Math.abs(p[0] - r) <= tol && Math.abs(p[1] - g) <= tol && Math.abs(p[2] - b) <= tol) found = k;
        }
        if (found >= 0 && found < numClasses) mask[i] = found;
        else note(`rgb(${r},${g},${b})`);
      }
    }
  }
  return { mask, ...(ignored ? { ignored } : {}), invalid: [...invalid] };
}

/** Whether an ignore value fits its encoding (a number for binary/index, a colour for palette); null when it does. */
export function ignoreRule(encoding: MaskEncoding): string | null {
  const ignore = (encoding as { ignore?: unknown }).ignore;
  if (ignore === undefined) return null;
  if (encoding.mode === 'palette') return Array.isArray(ignore) ? null : 'palette masks name the ignore value as an [r,g,b] colour';
  return typeof ignore === 'number' ? null : `${encoding.mode} masks name the ignore value as one number (a raw first-channel value)`;
}

/** Union of several masks of one image (e.g. BUSI's `_mask` and `_mask_1`): per pixel the larger class index wins. */
export function unionMasks(masks: readonly Uint8Array[]): Uint8Array {
  // Also serves ignore maps: a pixel one annotator marked unknown stays unknown.
  const out = new Uint8Array(masks[0]!);
  for (const m of masks.slice(1)) for (let i = 0; i < out.length; i++) if (m[i]! > out[i]!) out[i] = m[i]!;
  return out;
}
