import { Rng } from './rng';

const RESAMPLES = 2000;
/** Fixed, so the same per-case differences always give the same interval. */
const BOOTSTRAP_SEED = 0x9e3779b9;

/**
 * 95 % percentile-bootstrap interval of the mean of paired differences (cases resampled with replacement).
 * [NaN, NaN] with fewer than two differences. Shared by the evaluation's verdict and the ablation's paired columns,
 * so both call the same thing "outside the noise".
 */
export function bootstrapMeanInterval(diffs: readonly number[], resamples = RESAMPLES): [low: number, high: number] {
  const n = diffs.length;
  if (n < 2) return [NaN, NaN];
  const rng = new Rng(BOOTSTRAP_SEED);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += diffs[rng.int(n)]!;
    means[r] = s / n;
  }
  means.sort();
  return [means[Math.floor(0.025 * resamples)]!, means[Math.ceil(0.975 * resamples) - 1]!];
}
