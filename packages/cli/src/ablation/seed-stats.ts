/** Spread of one metric over seeds: `sd` is the sample standard deviation (n − 1), absent below two values. */
export interface Spread {
  mean: number;
  sd?: number;
  n: number;
}

export function spread(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { mean, n };
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}

/**
 * Mean and sd of every metric over the given per-seed metric maps. A metric missing from some seeds is averaged over
 * those that report it rather than dropped, so one seed that skipped a metric does not blank the whole cell.
 */
export function summarize(perSeed: readonly Record<string, number>[]): { metrics: Record<string, number>; sd: Record<string, number> } {
  const metrics: Record<string, number> = {};
  const sd: Record<string, number> = {};
  const keys = [...new Set(perSeed.flatMap((m) => Object.keys(m)))];
  for (const key of keys) {
    const s = spread(perSeed.filter((m) => key in m).map((m) => m[key]!));
    metrics[key] = s.mean;
    if (s.sd !== undefined) sd[key] = s.sd;
  }
  return { metrics, sd };
}
