import type * as tf from '@tensorflow/tfjs';
import type { LossBindContext, LossInputs, LossRequirements, LossTerm } from '@graphflow/core';

/**
 * Shared defaults for terms without state of their own (no translators, nothing to bind):
 * subclasses give their requirements and compute.
 */
export abstract class StatelessTerm implements LossTerm {
  constructor(readonly id: string) {}
  abstract requirements(): LossRequirements;
  abstract compute(inputs: LossInputs): tf.Scalar;
  bind(_ctx: LossBindContext): void {}
  trainableVariables(): tf.Variable[] {
    return [];
  }
  weights(): { name: string; variable: tf.Variable }[] {
    return [];
  }
  dispose(): void {}
}

/** Reads a tap the stage should have provided, failing with a clear message rather than an undefined-tensor crash. */
export function tapOf(taps: Record<string, tf.Tensor4D>, name: string, role: string, term: string): tf.Tensor4D {
  const t = taps[name];
  if (!t) throw new Error(`loss/${term}: the ${role} forward output lacks tap "${name}" (the stage must request requirements().${role}Taps)`);
  return t;
}
