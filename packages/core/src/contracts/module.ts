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
