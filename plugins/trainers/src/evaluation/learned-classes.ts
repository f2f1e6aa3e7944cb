import type { EvaluationResult } from './evaluate-model';

/** Below this foreground Dice a model has not learned a class: its masks are noise or empty, not a weaker segmentation. */
export const DEFAULT_LEARNED_FLOOR = 0.05;

export interface ClassOutcome {
  cls: number;
  name: string;
  /** Summary Dice of the class for each model. */
  baselineDice: number;
  candidateDice: number;
  /** Which models reach the floor. */
  learnedBy: 'both' | 'neither' | 'baseline' | 'candidate';
}

/**
 * Per foreground class, whether each model learned it (summary Dice ≥ `floor`). Classes whose Dice is undefined for
 * either model are left out; empty when the evaluation computed no Dice.
 */
export function classOutcomes(baseline: EvaluationResult, candidate: EvaluationResult, floor: number): ClassOutcome[] {
  const a = baseline.summary['dice']?.perClass;
  const b = candidate.summary['dice']?.perClass;
  if (!a || !b) return [];
  const out: ClassOutcome[] = [];
  for (let c = 1; c < Math.min(a.length, b.length); c++) {
    const da = a[c]!;
    const db = b[c]!;
    if (Number.isNaN(da) || Number.isNaN(db)) continue;
    const la = da >= floor;
    const lb = db >= floor;
    out.push({ cls: c, name: baseline.classNames[c] ?? String(c), baselineDice: da, candidateDice: db, learnedBy: la && lb ? 'both' : la ? 'baseline' : lb ? 'candidate' : 'neither' });
  }
  return out;
}
