import type * as tf from '@tensorflow/tfjs';

/** A trainable variable under a name that is stable across processes (tf's own variable names are not). */
export interface Param {
  key: string;
  variable: tf.Variable;
}

/** Everything an optimizer needs to continue exactly where it stopped. */
export interface OptimizerState {
  /** Updates applied so far (Adam's bias correction depends on it). */
  iterations: number;
  /** Slot tensors, named `<slot>/<param key>`. */
  slots: { name: string; variable: tf.Variable }[];
}

/**
 * Contract of `optimizer/*` components: the optimizers stages train with. Implemented over plain tf ops (not tf.train) so the complete state is
 * visible and a checkpoint restores it bit-exactly.
 */
export interface Optimizer {
  /** Component id, e.g. `optimizer/adamw`. */
  readonly id: string;
  /** Base learning rate; a schedule multiplies it. */
  readonly learningRate: number;
  /** State tensors kept per parameter (Adam 2, SGD with momentum 1); the memory pre-flight sizes the update with it. */
  readonly slotsPerParam?: number;
  /** Create zeroed slots for `params` (idempotent), so state can be loaded before the first step. */
  prepare(params: readonly Param[]): void;
  /** One update. `grads[i]` belongs to `params[i]`; the caller keeps ownership of the gradients. */
  apply(params: readonly Param[], grads: readonly tf.Tensor[], learningRate: number): void;
  state(): OptimizerState;
  /** Restore iterations; slot values are loaded by the checkpoint reader into `state().slots`. */
  setIterations(iterations: number): void;
  dispose(): void;
}
