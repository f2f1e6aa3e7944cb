import type { Param } from '@graphflow/core';
import * as tf from '@tensorflow/tfjs';
import { FUSED_ADAM_KERNEL, type FusedAdamAttrs } from '@graphflow/core';
import { SlotOptimizer } from './slot-optimizer';

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
export class AdamOptimizer extends SlotOptimizer {
  constructor(private readonly options: AdamOptions, private readonly decoupled: boolean) {
    super(decoupled ? 'optimizer/adamw' : 'optimizer/adam', options.lr, ['m', 'v']);
  }

  protected update(p: Param, grad: tf.Tensor, learningRate: number, step: number): void {
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    // Bias corrections in float64 on the host, so they do not depend on the backend's pow precision.
    const c1 = 1 - Math.pow(beta1, step);
    const c2 = 1 - Math.pow(beta2, step);
    const w = p.variable;
    const m = this.slot('m', p);
    const v = this.slot('v', p);
    // A backend with the fused kernel (native) does the whole update in one pass, rounding exactly like the ops below.
    if (tf.getKernel(FUSED_ADAM_KERNEL, tf.getBackend()) && w.dtype === 'float32') {
      const attrs: FusedAdamAttrs = {
        beta1, beta2, oneMinusBeta1: 1 - beta1, oneMinusBeta2: 1 - beta2, epsilon, lr: learningRate, c1, c2,
        weightDecay, lrTimesWeightDecay: learningRate * weightDecay, decoupled: this.decoupled,
      };
      const [wNext, mNext, vNext] = tf.engine().runKernel(FUSED_ADAM_KERNEL, { w, g: grad, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      m.assign(mNext!);
      v.assign(vNext!);
      w.assign(wNext!);
      return;
    }
    let g = grad;
    if (!this.decoupled && weightDecay > 0) g = g.add(w.mul(weightDecay));
    const mNew = m.mul(beta1).add(g.mul(1 - beta1));
    const vNew = v.mul(beta2).add(g.square().mul(1 - beta2));
    m.assign(mNew);
    v.assign(vNew);
    const stepSize = mNew.div(c1).div(vNew.div(c2).sqrt().add(epsilon)).mul(learningRate);
    let next = w.sub(stepSize);
    if (this.decoupled && weightDecay > 0) next = next.sub(w.mul(learningRate * weightDecay));
    w.assign(next);
  }
}
