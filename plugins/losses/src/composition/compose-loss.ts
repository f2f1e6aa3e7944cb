import * as tf from '@tensorflow/tfjs';
import { GraphFlowError, type LossInputs, type LossTerm } from '@graphflow/core';

/** One manifest `losses` entry after building: the term and its weight. */
export interface WeightedTerm {
  term: LossTerm;
  weight: number;
  /** Log name; defaults to term.id, with `#2`, `#3` … appended for repeated ids. */
  name?: string;
}

/** A step's total and its parts. `parts[name]` = weight · raw value; `raw[name]` = the term's own value. */
export interface ComposedLoss {
  total: tf.Scalar;
  parts: Record<string, tf.Scalar>;
  raw: Record<string, tf.Scalar>;
  /** Terms left out of this batch (label terms on unlabeled batches). */
  skipped: string[];
}

/** Stable, unique names for the entries, in order (used as log keys and in error messages). */
export function termNames(entries: readonly WeightedTerm[]): string[] {
  const seen = new Map<string, number>();
  return entries.map((e) => {
    const base = e.name ?? e.term.id;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  });
}

/**
 * Σ_i weight_i · term_i(inputs). Call it inside the stage's gradient closure and return `.total`.
 * Parts and raw values are tf.keep()-ed so they outlive that closure's tidy scope: read and free them
 * with readLossRecord (or dispose them yourself). Label terms are skipped on unlabeled batches; a term that
 * needs the teacher fails loudly when the stage gave none.
 */
export function composeLoss(entries: readonly WeightedTerm[], inputs: LossInputs): ComposedLoss {
  const names = termNames(entries);
  const parts: Record<string, tf.Scalar> = {};
  const raw: Record<string, tf.Scalar> = {};
  const skipped: string[] = [];
  const total = tf.tidy(() => {
    const weighted: tf.Scalar[] = [];
    entries.forEach((entry, i) => {
      const name = names[i]!;
      const req = entry.term.requirements();
      if (req.labels && (!inputs.labeled || !inputs.labels)) {
        skipped.push(name);
        return;
      }
      if (req.teacher && !inputs.teacher) throw new Error(`loss term "${name}" needs the teacher's output but the stage passed none`);
      const value = entry.term.compute(inputs);
      const part = tf.mul(value, entry.weight) as tf.Scalar;
      raw[name] = tf.keep(value);
      parts[name] = tf.keep(part);
      weighted.push(part);
    });
    return (weighted.length > 0 ? tf.addN(weighted) : tf.scalar(0)) as tf.Scalar;
  });
  return { total, parts, raw, skipped };
}

/** Numbers of one step, for logs: the weighted total and each weighted part. */
export interface LossRecord {
  step: number;
  total: number;
  parts: Record<string, number>;
  raw: Record<string, number>;
}

/**
 * Reads (and disposes) a ComposedLoss's parts, throwing GF_LOSS_NOT_FINITE naming the first non-finite term and
 * the step. Does not dispose `total` (the gradient call owns it). Call before applying the step's gradients.
 */
export function readLossRecord(composed: ComposedLoss, step: number, stage?: string): LossRecord {
  const parts: Record<string, number> = {};
  const raw: Record<string, number> = {};
  try {
    for (const [name, t] of Object.entries(composed.parts)) parts[name] = t.dataSync()[0]!;
    for (const [name, t] of Object.entries(composed.raw)) raw[name] = t.dataSync()[0]!;
  } finally {
    tf.dispose([...Object.values(composed.parts), ...Object.values(composed.raw)]);
  }
  const total = composed.total.isDisposed ? Object.values(parts).reduce((a, b) => a + b, 0) : composed.total.dataSync()[0]!;
  assertFiniteLoss(raw, step, stage);
  assertFiniteLoss({ ...parts, total }, step, stage);
  return { step, total, parts, raw };
}

/** Throws GF_LOSS_NOT_FINITE for the first NaN/±Inf value, naming the term and step so the run stops, never silently continues. */
export function assertFiniteLoss(values: Record<string, number>, step: number, stage?: string): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isFinite(value)) {
      const where = stage ? `stage "${stage}", ` : '';
      throw new GraphFlowError('GF_LOSS_NOT_FINITE', `${where}loss term "${name}" is ${value} at step ${step}; training stopped before applying this step`);
    }
  }
}
