import type * as tf from '@tensorflow/tfjs';
import type { ForwardOutput, SegmentationModel } from './backbone';

/**
 * Contract of `loss/*` components. A stage sums weighted terms; each term is logged separately.
 * All tensors NHWC. `compute` is called inside the stage's tf.tidy / gradient scope.
 */
export interface LossInputs {
  images: tf.Tensor4D;
  /** [N,H,W] int32 class indices; absent for unlabeled batches. */
  labels?: tf.Tensor3D;
  /**
   * [N,H,W] float32: 1 where a pixel counts, 0 outside the region of interest or on the ignore label (see Sample.roi).
   * Absent: every pixel counts. Per-pixel terms (supervised, KD, adversarial maps) average over counted pixels only.
   */
  roi?: tf.Tensor3D;
  student: ForwardOutput;
  /** Frozen teacher's output (computed with training: false); absent when no teacher. */
  teacher?: ForwardOutput;
  labeled: boolean;
  step: number;
}

export interface LossRequirements {
  /** The term needs ground-truth labels: skipped on unlabeled batches. */
  labels: boolean;
  /** The term needs the teacher's forward output. */
  teacher: boolean;
  /** Student / teacher taps the term reads (the stage asks the networks for exactly these). */
  studentTaps: string[];
  teacherTaps: string[];
}

/** Binding a loss to the networks it works on, after both are built. */
export interface LossBindContext {
  student: SegmentationModel;
  teacher?: SegmentationModel;
  inputSize: readonly [number, number];
  numClasses: number;
  channels: number;
}

/** An auxiliary adversary (e.g. a discriminator) with its own optimizer, driven by the stage. */
export interface AdversaryStep {
  /** Discriminator updates per generator step (>=1), or every k-th step when < 1 (e.g. 0.5 → every 2nd). */
  readonly updateRatio: number;
  trainableVariables(): tf.Variable[];
  /**
   * Discriminator loss for one batch (tensors are detached from the student by the stage), including any
   * penalty: WGAN-GP's gradient penalty is computed inside with a nested tf.grad (tfjs 4.22 supports the
   * second-order gradient it needs), so the stage only calls variableGrads/minimize on this over trainableVariables().
   * Also advances internal state such as spectral-norm power iterations, so call it once per discriminator update.
   */
  loss(inputs: { images: tf.Tensor4D; studentProbs: tf.Tensor4D; teacherProbs: tf.Tensor4D }): tf.Scalar;
}

export interface LossTerm {
  readonly id: string;
  /** Valid after bind(): terms whose taps default from the networks' tapDefaults only know them once bound. */
  requirements(): LossRequirements;
  /** Called once before training with the bound networks; builds translators etc. */
  bind(ctx: LossBindContext): void | Promise<void>;
  /** Scalar loss. Must be finite; the stage stops with GF_LOSS_NOT_FINITE otherwise. */
  compute(inputs: LossInputs): tf.Scalar;
  /** Variables this term owns that the stage trains together with the student (translators …). */
  trainableVariables(): tf.Variable[];
  /** Present on adversarial terms. */
  adversary?: AdversaryStep;
  /** Named state to checkpoint (translators, discriminator). */
  weights?(): { name: string; variable: tf.Variable }[];
  dispose(): void;
}
