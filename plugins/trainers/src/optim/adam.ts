import * as tf from '@tensorflow/tfjs';
import type { Optimizer, OptimizerState, Param } from './optimizer';
import { SlotStore } from './slot-store';

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** L2 penalty added to the gradient (Adam) or decoupled decay applied to the weights (AdamW). */
  weightDecay: number;
}

/**
 * Adam (Kingma & Ba 2015) with bias correction; with `decoupled` it is AdamW (Loshchilov & Hutter 2019):
 * the decay shrinks weights directly by lr·wd·w instead of passing through the adaptive moments.
 */
export class AdamOptimizer implements Optimizer {
  readonly id: string;
  readonly learningRate: number;
  private readonly slots = new SlotStore(['m', 'v']);
  private iterations = 0;

  constructor(private readonly options: AdamOptions, private readonly decoupled: boolean) {
    this.id = decoupled ? 'optimizer/adamw' : 'optimizer/adam';
    this.learningRate = options.lr;
  }

  prepare(params: readonly Param[]): void {
    this.slots.prepare(params);
  }

  apply(params: readonly Param[], grads: readonly tf.Tensor[], learningRate: number): void {
    this.prepare(params);
    this.iterations++;
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    // Bias corrections in float64 on the host, so they do not depend on the backend's pow precision.
    const c1 = 1 - Math.pow(beta1, this.iterations);
    const c2 = 1 - Math.pow(beta2, this.iterations);
    tf.tidy(() => {
      params.forEach((p, i) => {
        const w = p.variable;
        let g = grads[i]!;
        if (!this.decoupled && weightDecay > 0) g = g.add(w.mul(weightDecay));
        const m = this.slots.get('m', p);
        const v = this.slots.get('v', p);
        const mNew = m.mul(beta1).add(g.mul(1 - beta1));
        const vNew = v.mul(beta2).add(g.square().mul(1 - beta2));
        m.assign(mNew);
        v.assign(vNew);
        const step = mNew.div(c1).div(vNew.div(c2).sqrt().add(epsilon)).mul(learningRate);
        let next = w.sub(step);
        if (this.decoupled && weightDecay > 0) next = next.sub(w.mul(learningRate * weightDecay));
        w.assign(next);
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
