/**
 * Intensity normalization applied after decoding:
 * - `unit`: divide by the storage range (255, 65535); float sources are left as they are.
 * - `minmax`: per image to [0,1].
 * - `zscore`: subtract mean, divide by std — per image, or with given `mean` and `std` (one number, or one per channel),
 *   or with `statistics: 'dataset'` per channel over the training partition (inside the ROI).
 * - `percentile`: clip each channel to the training partition's [0.5, 99.5] (`percentiles`) percentiles, then z-score
 *   with the training mean/std, as nnU-Net does for CT; `clip`, `mean` and `std` given together skip the computation.
 * - `window`: clip to [lo,hi] then map to [0,1], e.g. the abdominal CT window [-125, 275] HU.
 * - `none`: keep file values.
 */
export type Normalization =
  | { mode: 'unit' }
  | { mode: 'minmax' }
  | { mode: 'zscore'; mean?: number | number[]; std?: number | number[]; statistics?: 'image' | 'dataset' }
  | { mode: 'percentile'; percentiles?: [number, number]; clip?: [number, number][]; mean?: number[]; std?: number[] }
  | { mode: 'window'; window: [number, number] }
  | { mode: 'none' };

const perChannel = (what: string) => ({
  description: what,
  oneOf: [{ type: 'number' }, { type: 'array', items: { type: 'number' }, minItems: 1 }],
});

export const NORMALIZATION_SCHEMA = {
  type: 'object',
  description: 'Intensity normalization: unit (divide by 255/65535), minmax, zscore, window [lo,hi] → [0,1], or none.',
  properties: {
    mode: { enum: ['unit', 'minmax', 'zscore', 'percentile', 'window', 'none'], description: 'Normalization method.' },
    mean: perChannel('zscore/percentile: mean in file units, one number or one per channel (zscore without it: per image, or the dataset\'s with statistics: dataset).'),
    std: perChannel('zscore/percentile: standard deviation (> 0), one number or one per channel.'),
    statistics: { enum: ['image', 'dataset'], description: 'zscore without mean/std (default image): per-image statistics, or per-channel statistics of the training partition inside the ROI, computed once at build, logged and reported by normalizationStatistics().' },
    percentiles: { type: 'array', items: { type: 'number', minimum: 0, maximum: 100 }, minItems: 2, maxItems: 2, description: 'percentile (default [0.5, 99.5]): the training partition\'s percentiles each channel is clipped to.' },
    clip: { type: 'array', items: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 }, minItems: 1, description: 'percentile: per-channel [low, high] clip range, given instead of computed (with mean and std), e.g. from another run\'s normalizationStatistics().' },
    window: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, description: 'window: [low, high] in file units, e.g. [-125, 275] for abdominal CT.' },
  },
  required: ['mode'],
  additionalProperties: false,
  default: { mode: 'unit' },
} as const;

export function normalizationRule(n: Normalization): string | null {
  if (n.mode === 'window' && (!n.window || !(n.window[1] > n.window[0]))) return 'window needs [low, high] with high > low';
  if (n.mode === 'zscore' && (n.mean === undefined) !== (n.std === undefined)) return 'zscore needs both mean and std, or neither';
  if (n.mode === 'zscore' && n.statistics === 'dataset' && n.mean !== undefined) return 'zscore takes mean/std or statistics: dataset, not both';
  if (n.mode === 'zscore' && [n.std].flat().some((v) => v !== undefined && !(v > 0))) return 'std must be > 0';
  if (n.mode === 'percentile') {
    const [lo, hi] = n.percentiles ?? [0.5, 99.5];
    if (!(hi > lo)) return 'percentiles need [low, high] with high > low';
    const given = [n.clip, n.mean, n.std].filter((v) => v !== undefined).length;
    if (given !== 0 && given !== 3) return 'percentile takes clip, mean and std together, or none of them';
    if (n.std?.some((v) => !(v > 0))) return 'std must be > 0';
  }
  return null;
}

/** Whether the normalization still needs statistics of the training partition. */
export function needsDatasetStatistics(n: Normalization): boolean {
  return (n.mode === 'zscore' && n.statistics === 'dataset' && n.mean === undefined) || (n.mode === 'percentile' && n.clip === undefined);
}

/** Per-channel mean and std (and clip range) of a normalization whose values are given, with one value spread to every channel. */
function channelValues(v: number | number[] | undefined, k: number): number {
  if (v === undefined) return NaN;
  return typeof v === 'number' ? v : (v[k] ?? v[0]!);
}

/** Normalize in place and return the same array (HWC with `channels` channels). */
export function normalize(data: Float32Array, n: Normalization, maxValue: number | null, channels = 1): Float32Array {
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
    case 'percentile': {
      if (!n.clip || !n.mean || !n.std) throw new Error('percentile normalization used before its statistics were computed');
      for (let k = 0; k < channels; k++) {
        const [lo, hi] = n.clip[k] ?? n.clip[0]!;
        const m = channelValues(n.mean, k);
        const s = 1 / channelValues(n.std, k);
        for (let i = k; i < data.length; i += channels) data[i] = (Math.min(Math.max(data[i]!, lo), hi) - m) * s;
      }
      return data;
    }
    case 'zscore': {
      if (Array.isArray(n.mean) || Array.isArray(n.std)) {
        for (let k = 0; k < channels; k++) {
          const m = channelValues(n.mean, k);
          const sd = channelValues(n.std, k);
          const s = sd > 1e-12 ? 1 / sd : 0;
          for (let i = k; i < data.length; i += channels) data[i] = (data[i]! - m) * s;
        }
        return data;
      }
      if (n.statistics === 'dataset' && n.mean === undefined) throw new Error('dataset zscore normalization used before its statistics were computed');
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
