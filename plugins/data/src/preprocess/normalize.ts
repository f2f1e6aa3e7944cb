/**
 * Intensity normalization applied after decoding:
 * - `unit`: divide by the storage range (255, 65535); float sources are left as they are.
 * - `minmax`: per image to [0,1].
 * - `zscore`: subtract mean, divide by std — per image unless both `mean` and `std` are given (dataset statistics).
 * - `window`: clip to [lo,hi] then map to [0,1], e.g. the abdominal CT window [-125, 275] HU.
 * - `none`: keep file values.
 */
export type Normalization =
  | { mode: 'unit' }
  | { mode: 'minmax' }
  | { mode: 'zscore'; mean?: number; std?: number }
  | { mode: 'window'; window: [number, number] }
  | { mode: 'none' };

export const NORMALIZATION_SCHEMA = {
  type: 'object',
  description: 'Intensity normalization: unit (divide by 255/65535), minmax, zscore, window [lo,hi] → [0,1], or none.',
  properties: {
    mode: { enum: ['unit', 'minmax', 'zscore', 'window', 'none'], description: 'Normalization method.' },
    mean: { type: 'number', description: 'zscore: dataset mean (per-image mean when omitted).' },
    std: { type: 'number', exclusiveMinimum: 0, description: 'zscore: dataset standard deviation (per-image when omitted).' },
    window: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, description: 'window: [low, high] in file units, e.g. [-125, 275] for abdominal CT.' },
  },
  required: ['mode'],
  additionalProperties: false,
  default: { mode: 'unit' },
} as const;

export function normalizationRule(n: Normalization): string | null {
  if (n.mode === 'window' && (!n.window || !(n.window[1] > n.window[0]))) return 'window needs [low, high] with high > low';
  if (n.mode === 'zscore' && (n.mean === undefined) !== (n.std === undefined)) return 'zscore needs both mean and std, or neither';
  return null;
}

/** Normalize in place and return the same array. */
export function normalize(data: Float32Array, n: Normalization, maxValue: number | null): Float32Array {
  switch (n.mode) {
    case 'none':
      return data;
    case 'unit': {
      if (maxValue === null) return data;
      const s = 1 / maxValue;
      for (let i = 0; i < data.length; i++) data[i] = data[i]! * s;
      return data;
    }
    case 'minmax': {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of data) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      // A constant image maps to 0 rather than dividing by zero.
      const s = hi > lo ? 1 / (hi - lo) : 0;
      for (let i = 0; i < data.length; i++) data[i] = (data[i]! - lo) * s;
      return data;
    }
    case 'zscore': {
      let mean = n.mean;
      let std = n.std;
      if (mean === undefined || std === undefined) {
        let sum = 0;
        for (const v of data) sum += v;
        mean = sum / data.length;
        let sq = 0;
        for (const v of data) sq += (v - mean) * (v - mean);
        std = Math.sqrt(sq / data.length);
      }
      const s = std > 1e-12 ? 1 / std : 0;
      for (let i = 0; i < data.length; i++) data[i] = (data[i]! - mean) * s;
      return data;
    }
    case 'window': {
      const [lo, hi] = n.window;
      const s = 1 / (hi - lo);
      for (let i = 0; i < data.length; i++) data[i] = (Math.min(Math.max(data[i]!, lo), hi) - lo) * s;
      return data;
    }
  }
}
