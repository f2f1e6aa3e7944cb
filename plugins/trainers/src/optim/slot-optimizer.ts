import type { Optimizer, OptimizerState, Param } from '@graphflow/core';
import * as tf from '@tensorflow/tfjs';
import { SlotStore } from './slot-store';

/**
 * The bookkeeping a checkpoint must restore exactly, kept out of the update rules: per-parameter slots (created
 * zeroed before the first step, so saved values can be loaded into them) and the count of updates applied.
 * Subclasses give the update of one parameter.
 */
export abstract class SlotOptimizer implements Optimizer {
  private readonly slots: SlotStore;
  private iterations = 0;
  readonly slotsPerParam: number;

  constructor(readonly id: string, readonly learningRate: number, slotNames: readonly string[]) {
    this.slots = new SlotStore(slotNames);
    this.slotsPerParam = slotNames.length;
  }

  /** Updates `p.variable` in place from its gradient; `step` counts updates from 1. Runs inside a tidy. */
  protected abstract update(p: Param, grad: tf.Tensor, learningRate: number, step: number): void;

  protected slot(name: string, p: Param): tf.Variable {
    return this.slots.get(name, p);
  }

  prepare(params: readonly Param[]): void {
    this.slots.prepare(params);
  }

  apply(params: readonly Param[], grads: readonly tf.Tensor[], learningRate: number): void {
    this.prepare(params);
    this.iterations++;
    tf.tidy(() => params.forEach((p, i) => this.update(p, grads[i]!, learningRate, this.iterations)));
  }

  state(): OptimizerState {
    return { iterations: this.iterations, slots: this.slots.entries() };
  }

  setIterations(iterations: number): void {
    this.iterations = iterations;
  }

  dispose(): void {
    this.slots.dispose();
  }
}
