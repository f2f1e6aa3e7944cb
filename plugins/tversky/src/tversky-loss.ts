import * as tf from '@tensorflow/tfjs';
import { defineComponent, type LossInputs, type LossTerm } from '@graphflow/core';
import { tverskyErrors } from './tversky-errors';

export interface TverskyOptions {
  /** Weight of false positives. */
  alpha: number;
  /** Weight of false negatives. */
  beta: number;
  /** Focal exponent γ: the loss is (1 − TI)^γ; 1 is the plain Tversky loss. */
  gamma: number;
  smooth: number;
  ignoreBackground: boolean;
}

/**
 * Tversky loss (Salehi et al., 2017) and its focal variant (Abraham & Khan, 2019).
 * Per class c: TI_c = (TP + s) / (TP + α·FP + β·FN + s) over soft predictions p = softmax(logits) and one-hot
 * labels g; loss = mean_c (1 − TI_c)^γ. With α = β = 0.5 it equals the soft Dice loss.
 * Input: student logits [N,H,W,K], labels [N,H,W] int32. Output: scalar.
 */
export class TverskyLoss implements LossTerm {
  constructor(
    readonly id: string,
    private readonly options: TverskyOptions,
  ) {}

  requirements() {
    return { labels: true, teacher: false, studentTaps: [], teacherTaps: [] };
  }

  bind(): void {}

  compute(inputs: LossInputs): tf.Scalar {
    const labels = inputs.labels;
    if (!labels) throw tverskyErrors.LABELS_MISSING(`${this.id} needs labels, and this batch has none`);
    const { alpha, beta, gamma, smooth, ignoreBackground } = this.options;
    return tf.tidy(() => {
      const logits = inputs.student.logits;
      const k = logits.shape[3];
      const p = tf.softmax(logits);
      const g = tf.oneHot(tf.cast(labels, 'int32'), k).toFloat();
      const axes = [0, 1, 2];
      const tp = tf.sum(tf.mul(p, g), axes);
      const fp = tf.sum(tf.mul(p, tf.sub(1, g)), axes);
      const fn = tf.sum(tf.mul(tf.sub(1, p), g), axes);
      const ti = tf.div(tf.add(tp, smooth), tf.add(tf.add(tf.add(tp, tf.mul(alpha, fp)), tf.mul(beta, fn)), smooth));
      let perClass = tf.pow(tf.sub(1, ti), gamma);
      if (ignoreBackground && k > 1) perClass = tf.slice(perClass, [1], [k - 1]);
      return tf.mean(perClass) as tf.Scalar;
    });
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  dispose(): void {}
}

const schema = (gammaDefault: number) => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    alpha: { type: 'number', minimum: 0, default: 0.3, description: 'Weight of false positives (α).' },
    beta: { type: 'number', minimum: 0, default: 0.7, description: 'Weight of false negatives (β); β > α favours recall.' },
    gamma: { type: 'number', exclusiveMinimum: 0, default: gammaDefault, description: 'Focal exponent γ applied to (1 − TI).' },
    smooth: { type: 'number', minimum: 0, default: 1, description: 'Smoothing added to numerator and denominator.' },
    ignoreBackground: { type: 'boolean', default: false, description: 'Average over foreground classes only.' },
  },
});

const rules = (o: TverskyOptions) => (o.alpha + o.beta > 0 ? [] : [{ pointer: '/beta', message: 'alpha + beta must be positive', expected: 'alpha + beta > 0' }]);

export const tverskyComponent = defineComponent<TverskyOptions, LossTerm>({
  kind: 'loss',
  role: 'supervised',
  name: 'tversky',
  description: 'Tversky loss: Dice generalized with separate false-positive and false-negative weights.',
  docs: 'TI_c = (TP + s)/(TP + α·FP + β·FN + s) on softmax probabilities vs one-hot labels; loss = mean_c (1 − TI_c). Salehi et al., "Tversky loss function for image segmentation using 3D fully convolutional deep networks", MLMI 2017.',
  schema: schema(1),
  rules,
  create: (o) => new TverskyLoss('loss/tversky', o),
});

export const focalTverskyComponent = defineComponent<TverskyOptions, LossTerm>({
  kind: 'loss',
  role: 'supervised',
  name: 'focal-tversky',
  description: 'Focal Tversky loss: (1 − Tversky index)^γ, focusing on hard, small structures.',
  docs: 'loss = mean_c (1 − TI_c)^γ with TI_c as in loss/tversky. Abraham & Khan, "A novel focal Tversky loss function with improved attention U-Net for lesion segmentation", ISBI 2019 (γ = 0.75 there, written as 1/γ = 4/3).',
  schema: schema(0.75),
  rules,
  create: (o) => new TverskyLoss('loss/focal-tversky', o),
});
