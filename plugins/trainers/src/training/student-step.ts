import * as tf from '@tensorflow/tfjs';
import type { Batch, ForwardOutput, LossTerm, Optimizer, Param, Schedule, SegmentationModel } from '@graphflow/core';
import { clipGradients, type GradientClipOptions } from '../optim/gradient-clipping';
import { assertFiniteTerms, stopGuard } from './finite-guard';
import type { StepInput } from './training-loop';
import { weightAt, type WeightedLoss } from './weighted-loss';
import { lossInputs } from './loss-inputs';
import { adversaryDiagnostics, computeParts, gradientShares, maskProbs, takeAdversaryScores, type DiagnosticsOptions } from './term-diagnostics';

/** An adversarial term's discriminator with the optimizer that trains it. */
export interface AdversaryTrainer {
  name: string;
  term: LossTerm;
  optimizer: Optimizer;
  params: () => Param[];
}

export interface StudentStepConfig {
  stage: string;
  student: SegmentationModel;
  /** Frozen: only ever run with `training: false`, never in the variable list. */
  teacher?: SegmentationModel;
  losses: readonly WeightedLoss[];
  /** Student + loss-owned (translator) parameters, updated by `optimizer`. */
  params: () => Param[];
  optimizer: Optimizer;
  schedule: Schedule;
  clip: GradientClipOptions | null;
  adversaries: readonly AdversaryTrainer[];
  /** Per-term gradient shares every `every` updates (0 = off); see term-diagnostics.ts. */
  diagnostics?: DiagnosticsOptions;
}

function union(lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}

function disposeOutput(out: ForwardOutput | undefined): void {
  if (!out) return;
  out.logits.dispose();
  for (const t of Object.values(out.taps)) t.dispose();
}

/**
 * One update of a student (or a model trained from scratch): labeled batches get every term; unlabeled batches only
 * terms that do not need labels, and their `labels` are never read. Term values are checked for NaN/Inf before the
 * update is applied (see StepGuard: under `onNonFinite` "skip-step" / "reduce-lr" the update, and the adversaries',
 * is dropped instead). Then each adversary is updated on detached student/teacher probabilities per its update ratio.
 * A batch's `roi` reaches every term and zeroes the probability maps the discriminators see outside it.
 * Logged besides the terms: the parts of terms that expose them (`graph-flow/vertex`, `graph-flow/edge`), each
 * adversary's accuracy and mean scores, and, every `diagnostics.every` updates, each term's share of the student's
 * gradient norm (measured on this batch at the parameters before this update; it does not change the update).
 */
export function studentStep(config: StudentStepConfig, input: StepInput): Record<string, number> {
  const { student, teacher, losses } = config;
  const studentTaps = union(losses.map((l) => l.term.requirements().studentTaps));
  const teacherTaps = union(losses.map((l) => l.term.requirements().teacherTaps));
  const batches: Batch[] = input.unlabeled ? [input.batch, input.unlabeled] : [input.batch];
  const needsAdversary = config.adversaries.length > 0;

  const guard = input.guard ?? stopGuard(config.stage, input.step + 1);
  guard.begin();
  const needTeacher = teacher !== undefined && (needsAdversary || losses.some((l) => l.term.requirements().teacher));
  const teacherOut = batches.map((b) => (teacher && needTeacher ? teacher.forward(b.images, { training: false, taps: teacherTaps }) : undefined));
  const kept: { name: string; value: tf.Scalar }[] = [];
  const studentProbs: tf.Tensor4D[] = [];
  const params = config.params();
  let grads: (tf.Tensor | null)[] | undefined;
  let totalValue: tf.Scalar | undefined;
  try {
    const result = computeGradients(() => {
      let total: tf.Scalar = tf.scalar(0);
      batches.forEach((batch, b) => {
        const out = student.forward(batch.images, { training: true, taps: studentTaps });
        const suffix = batch.labeled ? '' : '@unlabeled';
        for (const loss of losses) {
          if (!batch.labeled && loss.term.requirements().labels) continue;
          const inputs = lossInputs(batch, out, teacherOut[b], input.step);
          // Terms with named parts (graph-flow: vertex, edge) are computed through them: the same value, parts logged too.
          const parts = computeParts(loss.term, inputs);
          const value = parts ? (tf.addN(Object.values(parts)) as tf.Scalar) : loss.term.compute(inputs);
          if (parts) for (const [part, t] of Object.entries(parts)) kept.push({ name: `${loss.name}/${part}${suffix}`, value: tf.keep(t) });
          kept.push({ name: `${loss.name}${suffix}`, value: tf.keep(value) });
          total = total.add(value.mul(weightAt(loss, input.step, input.totalSteps)));
        }
        if (needsAdversary) studentProbs.push(tf.keep(maskProbs(tf.softmax(out.logits) as tf.Tensor4D, batch.roi)));
      });
      return total;
    }, params.map((p) => p.variable));
    grads = result.grads;
    totalValue = result.value;

    const terms: Record<string, number> = {};
    for (const k of kept) terms[k.name] = (terms[k.name] ?? 0) + k.value.dataSync()[0]!;
    terms['total'] = totalValue.dataSync()[0]!;
    // Loss terms and the statistics the forward pass updated must be finite before anything else uses them.
    const forwardFinding = guard.checkForward(terms);
    if (forwardFinding) {
      guard.decide(forwardFinding); // throws under onNonFinite "stop"
      return terms;
    }
    const every = config.diagnostics?.every ?? 0;
    // Before the update, so the shares belong to the same parameters as the logged values (the update is unaffected).
    if (every > 0 && input.step % every === 0) Object.assign(terms, gradientShares(config, batches, teacherOut, input));

    // Variables without a path to the loss get no gradient; like PyTorch's `grad is None`, they are not updated.
    const withGrad = params.flatMap((param, i) => (grads![i] ? [{ param, grad: grads![i]! }] : []));
    const { grads: clipped, norm } = clipGradients(withGrad.map((g) => g.grad), config.clip);
    if (guard.decide(guard.checkGradients(norm)) === 'skip') {
      tf.dispose(clipped);
      terms['gradNorm'] = norm;
      return terms;
    }
    const lrFactor = config.schedule.multiplier(input.step, input.totalSteps) * guard.lrFactor;
    const lr = config.optimizer.learningRate * lrFactor;
    config.optimizer.apply(withGrad.map((g) => g.param), clipped, lr);
    tf.dispose(clipped);
    terms['lr'] = lr;
    terms['gradNorm'] = norm;

    for (const adv of config.adversaries) {
      const updates = adversaryUpdates(adv.term.adversary!.updateRatio, input.step);
      for (let u = 0; u < updates; u++) {
        const dLoss = adversaryUpdate(adv, batches, studentProbs, teacherOut, adv.optimizer.learningRate * lrFactor);
        terms[`${adv.name}/discriminator`] = dLoss;
        assertFiniteTerms({ [`${adv.name}/discriminator`]: dLoss }, input.step + 1, config.stage);
        // Accuracy and mean scores of this update's own forward (before its parameter change): no extra pass.
        Object.assign(terms, adversaryDiagnostics(adv.name, takeAdversaryScores(adv.term)));
      }
    }
    return terms;
  } finally {
    if (grads) tf.dispose(grads.filter((g): g is tf.Tensor => g !== null));
    totalValue?.dispose();
    for (const k of kept) k.value.dispose();
    tf.dispose(studentProbs);
    for (const t of teacherOut) disposeOutput(t);
  }
}

/** Discriminator updates due at `step` for a ratio: ≥1 → round(ratio) per step; <1 → one every round(1/ratio) steps. */
export function adversaryUpdates(ratio: number, step: number): number {
  if (ratio >= 1) return Math.round(ratio);
  const every = Math.max(1, Math.round(1 / ratio));
  return step % every === 0 ? 1 : 0;
}

function adversaryUpdate(adv: AdversaryTrainer, batches: Batch[], studentProbs: tf.Tensor4D[], teacherOut: (ForwardOutput | undefined)[], lr: number): number {
  const params = adv.params();
  const { value, grads } = computeGradients(() => {
    let total: tf.Scalar = tf.scalar(0);
    batches.forEach((batch, b) => {
      const teacherLogits = teacherOut[b]?.logits;
      if (!teacherLogits) return;
      const teacherProbs = maskProbs(tf.softmax(teacherLogits) as tf.Tensor4D, batch.roi);
      total = total.add(adv.term.adversary!.loss({ images: batch.images, studentProbs: studentProbs[b]!, teacherProbs }));
    });
    return total;
  }, params.map((p) => p.variable));
  try {
    const present = params.flatMap((param, i) => (grads[i] ? [{ param, grad: grads[i]! }] : []));
    adv.optimizer.apply(present.map((p) => p.param), present.map((p) => p.grad), lr);
    return value.dataSync()[0]!;
  } finally {
    tf.dispose(grads.filter((g): g is tf.Tensor => g !== null));
    value.dispose();
  }
}

/**
 * Value and gradients of `f` with respect to `variables` (null where a variable does not influence the value).
 * Unlike tf.variableGrads this does not throw when no variable is connected (e.g. a constant NaN loss), so the
 * finite check can report the real problem.
 */
export function computeGradients(f: () => tf.Scalar, variables: tf.Variable[]): { value: tf.Scalar; grads: (tf.Tensor | null)[] } {
  const { value, grads } = tf.engine().gradients(f, variables, undefined, true);
  return { value: value as tf.Scalar, grads: grads as (tf.Tensor | null)[] };
}
