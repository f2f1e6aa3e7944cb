import type { Param } from '@graphflow/core';
import type * as tf from '@tensorflow/tfjs';
import { SlotOptimizer } from './slot-optimizer';

export interface SgdOptions {
  lr: number;
  momentum: number;
  nesterov: boolean;
  /** L2 penalty added to the gradient (the paper's SGD setting uses 1e-4). */
  weightDecay: number;
}

/** SGD with heavy-ball or Nesterov momentum (PyTorch's formulation: the first step's buffer is the gradient). */
export class SgdOptimizer extends SlotOptimizer {
  constructor(private readonly options: SgdOptions) {
    super('optimizer/sgd', options.lr, options.momentum > 0 ? ['momentum'] : []);
  }

  protected update(p: Param, grad: tf.Tensor, learningRate: number): void {
    const { momentum, nesterov, weightDecay } = this.options;
    const w = p.variable;
    let g = grad;
    if (weightDecay > 0) g = g.add(w.mul(weightDecay));
    if (momentum > 0) {
      const buf = this.slot('momentum', p);
      const next = buf.mul(momentum).add(g);
      buf.assign(next);
      g = nesterov ? g.add(next.mul(momentum)) : next;
    }
    w.assign(w.sub(g.mul(learningRate)));
  }
}
