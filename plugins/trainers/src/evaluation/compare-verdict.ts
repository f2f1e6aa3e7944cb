import type { Metric } from '@graphflow/core';
import type { EvaluationResult } from './evaluate-model';
import { classOutcomes, DEFAULT_LEARNED_FLOOR, type ClassOutcome } from './learned-classes';
import { shortName } from './model-name';
import { pairedComparison, type PairedComparison } from './paired-comparison';

export interface CompareOptions {
  baseline: string;
  candidate: string;
  metric: string;
  /** Foreground Dice below which a model has not learned a class (default 0.05). */
  learnedFloor?: number;
}

export interface CompareVerdict {
  text: string;
  delta: number;
  better: boolean;
  paired?: PairedComparison;
  /** Foreground classes neither model learned. */
  neitherLearned: string[];
}

/**
 * The honest answer to "did it help?", whichever way it comes out: the difference of the split means, then the paired
 * per-case view (on how many cases the candidate is better, and a 95% bootstrap interval of the mean per-case
 * difference), so a gain within the noise of a small test split is called that. When neither model learned any
 * class (both Dice below `learnedFloor`) there is no winner to name: a 0.04-point gap between two failures says
 * nothing about the method. When classes differ in outcome, one line per class says which.
 */
export function compareVerdict(c: CompareOptions, results: Record<string, EvaluationResult>, defs: readonly Metric[], partition: string): CompareVerdict {
  const higher = defs.find((d) => d.name === c.metric)?.higherIsBetter ?? true;
  const ra = results[c.baseline]!;
  const rb = results[c.candidate]!;
  const a = ra.summary[c.metric]?.mean;
  const b = rb.summary[c.metric]?.mean;
  const base = shortName(c.baseline);
  const cand = shortName(c.candidate);
  const floor = c.learnedFloor ?? DEFAULT_LEARNED_FLOOR;
  const outcomes = classOutcomes(ra, rb, floor);
  const neitherLearned = outcomes.filter((o) => o.learnedBy === 'neither');
  const neitherNames = neitherLearned.map((o) => o.name);
  if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b)) {
    return { text: `**${cand} vs ${base}:** ${c.metric} is undefined for one of them; no comparison.`, delta: NaN, better: false, neitherLearned: neitherNames };
  }
  const delta = b - a;
  const scale = higher ? 100 : 1;
  const unit = higher ? ' points' : '';
  const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * scale).toFixed(2)}`;
  const amount = `${signed(delta)}${unit}`;

  if (outcomes.length > 0 && neitherLearned.length === outcomes.length) {
    const text =
      `**Neither model learned ${neitherLearned.map(unlearned).join(' or ')}**, so ${cand} vs ${base} on ${c.metric} (${partition} split) has no winner: ` +
      `the ${amount} between them is a difference between two failures (Dice of ${cand} and of ${base}; a class counts as learned from ${percent(floor)} Dice). Reported as measured; the seed was not tuned.`;
    return { text, delta, better: false, neitherLearned: neitherNames };
  }

  const better = higher ? delta > 0 : delta < 0;
  const units = ra.volumes && rb.volumes ? 'volumes' : 'cases';
  const paired = pairedComparison(ra.volumes ?? ra.cases, rb.volumes ?? rb.cases, c.metric, higher);
  const [lo, hi] = paired.ci;
  const resolved = Number.isFinite(lo) && Number.isFinite(hi) && (lo > 0 || hi < 0);
  const pairedText = Number.isFinite(lo)
    ? ` Per ${units.slice(0, -1)}: better on ${paired.wins} and worse on ${paired.losses} of ${paired.n} ${units}; mean difference ${signed(paired.meanDifference)}${unit}, 95% bootstrap interval [${signed(lo)}, ${signed(hi)}]${resolved ? '' : ', which includes 0: within the noise of this split'}.`
    : '';
  const headline = better
    ? `**${cand} beats ${base}** on ${c.metric} (${partition} split): ${amount}.${pairedText}`
    : `**${cand} does NOT beat ${base}** on ${c.metric} (${partition} split): ${amount}.${pairedText} Reported as measured; the seed was not tuned.`;
  const lines = perClassLines(outcomes, ra, rb, c.metric, higher, { cand, base, signed, unit });
  return { text: lines.length > 0 ? [headline, '', ...lines].join('\n') : headline, delta, better, paired, neitherLearned: neitherNames };
}

/**
 * One line per foreground class, only when classes differ in outcome (one learned by neither or by one model only,
 * or the candidate better on some classes and worse on others): then the mean alone misleads.
 */
function perClassLines(
  outcomes: readonly ClassOutcome[],
  ra: EvaluationResult,
  rb: EvaluationResult,
  metric: string,
  higher: boolean,
  f: { cand: string; base: string; signed: (x: number) => string; unit: string },
): string[] {
  if (outcomes.length < 2) return [];
  const a = ra.summary[metric]!.perClass;
  const b = rb.summary[metric]!.perClass;
  const sign = (o: ClassOutcome) => Math.sign((b[o.cls] ?? NaN) - (a[o.cls] ?? NaN)) * (higher ? 1 : -1);
  const learnedByBoth = outcomes.filter((o) => o.learnedBy === 'both');
  const mixed = learnedByBoth.length < outcomes.length || new Set(learnedByBoth.map(sign).filter((s) => !Number.isNaN(s))).size > 1;
  if (!mixed) return [];
  return outcomes.map((o) => {
    const d = (b[o.cls] ?? NaN) - (a[o.cls] ?? NaN);
    const dice = `Dice ${percent(o.candidateDice)} and ${percent(o.baselineDice)}`;
    switch (o.learnedBy) {
      case 'neither':
        return `- ${o.name}: neither model learned ${unlearned(o)}.`;
      case 'candidate':
        return `- ${o.name}: only ${f.cand} learned it (${dice}).`;
      case 'baseline':
        return `- ${o.name}: only ${f.base} learned it (${dice}).`;
      default:
        if (Number.isNaN(d)) return `- ${o.name}: ${metric} undefined for one of them (${dice}).`;
        return `- ${o.name}: ${f.cand} ${(higher ? d > 0 : d < 0) ? 'beats' : 'does NOT beat'} ${f.base} on ${metric}, ${f.signed(d)}${f.unit} (${dice}).`;
    }
  });
}

function unlearned(o: ClassOutcome): string {
  return `${o.name} (Dice ${percent(o.candidateDice)} and ${percent(o.baselineDice)})`;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}
