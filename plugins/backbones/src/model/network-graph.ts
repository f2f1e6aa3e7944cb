import type * as tf from '@tensorflow/tfjs';
import type { InputSizeRequirement, TapDefaults, TapInfo } from '@graphflow/core';

/** A named feature inside a network graph, before it becomes a model output. */
export interface SymbolicTap {
  info: TapInfo;
  tensor: tf.SymbolicTensor;
}

/**
 * What each network builder returns: the symbolic graph of a tfjs-layers functional model
 * plus the metadata GraphFlow needs (taps, defaults, valid input sizes).
 * `input` is [N, null, null, C] so one model serves every valid input size.
 */
export interface NetworkGraph {
  architecture: string;
  input: tf.SymbolicTensor;
  /** [N, H, W, K] class scores at input resolution. */
  logits: tf.SymbolicTensor;
  taps: SymbolicTap[];
  tapDefaults: TapDefaults;
  inputSize: InputSizeRequirement;
}
