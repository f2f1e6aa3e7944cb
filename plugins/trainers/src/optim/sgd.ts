import * as tf from '@tensorflow/tfjs';
import type { Optimizer, OptimizerState, Param } from './optimizer';
import { SlotStore } from './slot-store';

export interface SgdOptions {
  lr: number;
  momentum: number;
  nesterov: boolean;
  /** L2 penalty added to the gradient (the paper's SGD setting uses 1e-4). */
  weightDecay: number;
}

/** SGD with heavy-ball or Nesterov momentum (PyTorch's formulation: the first step's buffer is the gradient). */
export class SgdOptimizer implements Optimizer {
  readonly id = 'optimizer/sgd';
  readonly learningRate: number;
  private readonly slots: SlotStore;
  private iterations = 0;

  constructor(private readonly options: SgdOptions) {
    this.learningRate = options.lr;
    this.slots = new SlotStore(options.momentum > 0 ? ['momentum'] : []);
  }

  prepare(params: readonly Param[]): void {
    this.slots.prepare(params);
  }

  apply(params: readonly Param[], grads: readonly tf.Tensor[], learningRate: number): void {
    this.prepare(params);
    this.iterations++;
    const { momentum, nesterov, weightDecay } = this.options;
    tf.tidy(() => {
      params.forEach((p, i) => {
        const w = p.variable;
        let g = grads[i]!;
        if (weightDecay > 0) g = g.add(w.mul(weightDecay));
        if (momentum > 0) {
          const buf = this.slots.get('momentum', p);
          const next = buf.mul(momentum).add(g);
          buf.assign(next);
          g = nesterov ? g.add(next.mul(momentum)) : next;
        }
        w.assign(w.sub(g.mul(learningRate)));
      });
    });
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
