import * as tf from '@tensorflow/tfjs';
import { Rng, type Batch, type ForwardOutput, type LossInputs, type LossTerm, type SegmentationModel } from '@graphflow/core';
import { withSeededRandom } from './seeded-step-random';
import { lossInputs } from './loss-inputs';
import type { StepInput } from './training-loop';
import { weightAt, type WeightedLoss } from './weighted-loss';

/** The `diagnostics` stage option. */
export interface DiagnosticsOptions {
  /** Every N updates (from update 0), each term's share of the student's gradient norm; 0 = off. */
  every: number;
}

export const DEFAULT_DIAGNOSTICS: DiagnosticsOptions = { every: 25 };

/**
 * A term that can report named parts whose sum is its value (loss/graph-flow: `vertex`, `edge`). Structural, so the
 * trainers need no dependency on @graphflow/losses.
 */
interface TermWithParts {
  computeParts(inputs: LossInputs): Record<string, tf.Scalar>;
}

/** The term's parts when it has them (the stage then sums them instead of calling compute: the same value). */
export function computeParts(term: LossTerm, inputs: LossInputs): Record<string, tf.Scalar> | undefined {
  const withParts = term as Partial<TermWithParts>;
  return typeof withParts.computeParts === 'function' ? withParts.computeParts(inputs) : undefined;
}

/** [N,H,W,K] maps zeroed outside the roi [N,H,W] (returned as is without one). */
export function maskProbs(probs: tf.Tensor4D, roi: tf.Tensor3D | undefined): tf.Tensor4D {
  if (!roi) return probs;
  return tf.tidy(() => tf.mul(probs, tf.expandDims(roi, 3)) as tf.Tensor4D);
}

/** Scores of the discriminator's forward passes (one entry per adversary.loss call), when the adversary reports them. */
export interface AdversaryScores {
  teacher: ArrayLike<number>;
  student: ArrayLike<number>;
}

export function takeAdversaryScores(term: LossTerm): AdversaryScores[] {
  const adversary = term.adversary as { takeScores?: () => AdversaryScores[] } | undefined;
  return typeof adversary?.takeScores === 'function' ? adversary.takeScores() : [];
}

/**
 * Discriminator accuracy: ½·(fraction of teacher maps scored > 0 + fraction of student maps scored < 0), 0.5 = chance,
 * and the mean scores of either side. Empty when the adversary does not report scores.
 */
export function adversaryDiagnostics(name: string, scores: readonly AdversaryScores[]): Record<string, number> {
  const teacher = scores.flatMap((s) => Array.from(s.teacher));
  const student = scores.flatMap((s) => Array.from(s.student));
  if (teacher.length === 0 || student.length === 0) return {};
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return {
    [`${name}/accuracy`]: 0.5 * (teacher.filter((v) => v > 0).length / teacher.length + student.filter((v) => v < 0).length / student.length),
    [`${name}/scoreTeacher`]: mean(teacher),
    [`${name}/scoreStudent`]: mean(student),
  };
}

interface ShareConfig {
  student: SegmentationModel;
  losses: readonly WeightedLoss[];
}

/**
 * Each term's share of the student's gradient: ‖w_i ∇θ L_i‖ / Σ_j ‖w_j ∇θ L_j‖ over the student's trainable variables θ
 * (translators and discriminators left out), L_i summed over the update's batches. One extra forward + backward per
 * term with a non-zero weight; a term with weight 0 has share 0. Batch-norm moving statistics are restored afterwards
 * and Math.random draws from a generator of its own meanwhile (withSeededRandom), so the real update is exactly what
 * it would be without these passes. Logged as `<term>/gradShare` and `<term>/gradNorm` (the norm ‖w_i ∇θ L_i‖).
 */
export function gradientShares(config: ShareConfig, batches: readonly Batch[], teacherOut: readonly (ForwardOutput | undefined)[], input: StepInput): Record<string, number> {
  const { student, losses } = config;
  const variables = student.trainableVariables();
  const frozen = student.weights().filter((w) => !w.trainable);
  const saved = frozen.map((w) => tf.clone(w.variable));
  const norms: Record<string, number> = {};
  // A generator of its own (not the update's stream) for dropout in these extra passes, so the update is unchanged.
  const rng = new Rng((0x9e3779b9 ^ input.step) >>> 0);
  try {
    withSeededRandom(rng, () => {
      for (const loss of losses) {
        const weight = weightAt(loss, input.step, input.totalSteps);
        const counted = batches.map((b, i) => ({ b, i })).filter(({ b }) => b.labeled || !loss.term.requirements().labels);
        if (counted.length === 0) continue;
        if (weight === 0) {
          norms[loss.name] = 0;
          continue;
        }
        const taps = loss.term.requirements().studentTaps;
        const { value, grads } = tf.engine().gradients(
          () =>
            tf.tidy(() => {
              const terms = counted.map(({ b, i }) => loss.term.compute(lossInputs(b, student.forward(b.images, { training: true, taps }), teacherOut[i], input.step)));
              return tf.mul(tf.addN(terms), weight) as tf.Scalar;
            }),
          variables,
          undefined,
          true,
        );
        const present = (grads as (tf.Tensor | null | undefined)[]).filter((g): g is tf.Tensor => g !== null && g !== undefined);
        const squared = present.length > 0 ? tf.tidy(() => tf.addN(present.map((g) => tf.sum(tf.square(g))))) : undefined;
        norms[loss.name] = squared ? Math.sqrt(squared.dataSync()[0]!) : 0;
        tf.dispose([value, ...present, ...(squared ? [squared] : [])]);
      }
    });
  } finally {
    frozen.forEach((w, i) => w.variable.assign(saved[i]!));
    tf.dispose(saved);
  }
  const sum = Object.values(norms).reduce((a, b) => a + b, 0);
  const out: Record<string, number> = {};
  for (const [name, norm] of Object.entries(norms)) {
    out[`${name}/gradShare`] = sum > 0 ? norm / sum : 0;
    out[`${name}/gradNorm`] = norm;
  }
  return out;
}
