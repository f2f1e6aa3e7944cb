import type * as tf from '@tensorflow/tfjs';
import type { NamedWeight } from './backbone';

/**
 * A trainable network that is not a segmentation backbone (paraphraser, translator, discriminator).
 * Declared under `models` in a manifest with kind `module`, so stages can train, checkpoint and pass it on.
 */
export interface TrainableModule {
  readonly architecture: string;
  trainableVariables(): tf.Variable[];
  weights(): NamedWeight[];
  save(dir: string): Promise<void>;
  load(dir: string): Promise<void>;
  dispose(): void;
}

/**
 * Contract of `module/paraphraser` (factor transfer, Kim et al. 2018): an autoencoder trained
 * unsupervised on a frozen teacher's taps; distillation uses only its encoder.
 */
export interface FeatureParaphraser extends TrainableModule {
  /** Teacher taps this paraphraser encodes, shallow → deep. */
  readonly teacherTaps: readonly string[];
  /** Factor channels C′ per tap. */
  readonly factorChannels: Readonly<Record<string, number>>;
  /** Encode a teacher tap [N,h,w,C] to its factor [N,h,w,C′]. */
  encode(tap: string, feature: tf.Tensor4D, training: boolean): tf.Tensor4D;
  /** Reconstruction loss (L1 or L2 per its options) over the given teacher taps. */
  reconstructionLoss(features: Readonly<Record<string, tf.Tensor4D>>): tf.Scalar;
}
