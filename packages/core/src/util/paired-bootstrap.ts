import { Rng } from './rng';

const RESAMPLES = 2000;
/** Fixed, so the same per-case differences always give the same interval. */
const BOOTSTRAP_SEED = 0x9e3779b9;

/** The 2.5th and 97.5th percentiles of the bootstrap means (sorted in place). */
function percentileInterval(means: Float64Array): [low: number, high: number] {
  means.sort();
  return [means[Math.floor(0.025 * means.length)]!, means[Math.ceil(0.975 * means.length) - 1]!];
}

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
  return percentileInterval(means);
}

/**
 * 95 % interval of the mean of paired differences laid out as seeds × cases (`diffs[s][i]`: case i at seed s),
 * with seeds and cases resampled independently (a crossed bootstrap). The case-only interval treats the seeds'
 * average as exact; with a handful of seeds whose differences disagree, that is the larger source of doubt, and
 * this interval carries it. One seed gives the case-only interval. Every row must list the same cases.
 * [NaN, NaN] with fewer than two cases.
 */
export function bootstrapSeedsAndCasesInterval(diffs: readonly (readonly number[])[], resamples = RESAMPLES): [low: number, high: number] {
  const seeds = diffs.length;
  const n = seeds > 0 ? diffs[0]!.length : 0;
  if (diffs.some((row) => row.length !== n)) throw new Error('bootstrapSeedsAndCasesInterval: every seed needs the same cases');
  if (n < 2) return [NaN, NaN];
  if (seeds === 1) return bootstrapMeanInterval(diffs[0]!, resamples);
  const rng = new Rng(BOOTSTRAP_SEED);
  const means = new Float64Array(resamples);
  const picked = new Int32Array(seeds);
  for (let r = 0; r < resamples; r++) {
    for (let k = 0; k < seeds; k++) picked[k] = rng.int(seeds);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const c = rng.int(n);
      for (let k = 0; k < seeds; k++) s += diffs[picked[k]!]![c]!;
    }
    means[r] = s / (n * seeds);
  }
  return percentileInterval(means);
}
