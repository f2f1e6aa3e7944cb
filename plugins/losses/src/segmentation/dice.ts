import * as tf from '@tensorflow/tfjs';
import { defineComponent, GraphFlowError, type LossInputs, type LossRequirements, type LossTerm } from '@graphflow/core';
import { StatelessTerm } from '../util/base-term';
import { requireLabels } from './cross-entropy';
import { maskMaps } from '../util/roi';

export interface DiceOptions {
  ignoreBackground: boolean;
  smooth: number;
}

/**
 * Soft Dice loss per class over the whole batch: for class k with probabilities p [N,H,W,K] and one-hot g,
 * D_k = (2Σ p_k g_k + s) / (Σ p_k + Σ g_k + s); loss = 1 − mean_k D_k (class 0 left out when ignoreBackground).
 * Batch-level sums (not per image) keep classes that are absent in one image from dominating.
 * With `roi` [N,H,W], p and g are zeroed outside it, so every sum runs over the counted pixels only.
 */
export function softDice(logits: tf.Tensor4D, labels: tf.Tensor3D, options: DiceOptions, roi?: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[3];
    const probs = maskMaps(tf.softmax(logits, -1) as tf.Tensor4D, roi);
    const oneHot = maskMaps(tf.oneHot(tf.cast(labels, 'int32'), k).toFloat() as tf.Tensor4D, roi);
    const intersection = tf.sum(tf.mul(probs, oneHot), [0, 1, 2]);
    const denominator = tf.add(tf.sum(probs, [0, 1, 2]), tf.sum(oneHot, [0, 1, 2]));
    let dice = tf.div(tf.add(tf.mul(intersection, 2), options.smooth), tf.add(denominator, options.smooth));
    if (options.ignoreBackground) dice = tf.slice(dice, [1], [k - 1]);
    return tf.sub(1, tf.mean(dice)) as tf.Scalar;
  });
}

export class DiceLoss extends StatelessTerm implements LossTerm {
  constructor(private readonly options: DiceOptions) {
    super('dice');
  }
  requirements(): LossRequirements {
    return { labels: true, teacher: false, studentTaps: [], teacherTaps: [] };
  }
  override bind(ctx: { numClasses: number }): void {
    if (this.options.ignoreBackground && ctx.numClasses < 2) {
      throw new GraphFlowError('GF_OPTIONS_INVALID', 'ignoreBackground needs at least 2 classes (nothing left to score)', { pointer: '/ignoreBackground' });
    }
  }
  compute(inputs: LossInputs): tf.Scalar {
    return softDice(inputs.student.logits, requireLabels(inputs, 'dice'), this.options, inputs.roi);
  }
}

export const diceSchemaProperties = {
  ignoreBackground: { type: 'boolean', default: false, description: 'Leave class 0 out of the class mean (foreground-only Dice).' },
  smooth: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Additive smoothing s in numerator and denominator; keeps empty classes finite (D_k = 1 when a class is absent and not predicted).' },
};

export const diceComponent = defineComponent<DiceOptions, LossTerm>({
  kind: 'loss',
  role: 'supervised',
  name: 'dice',
  description: 'Soft Dice loss per class (batch-level), optional background exclusion.',
  docs: [
    '**Formula.** p = softmax(z), g = one-hot(labels). Per class k, summing over all pixels of the batch:',
    'D_k = (2·Σ p_k·g_k + s) / (Σ p_k + Σ g_k + s); L = 1 − mean_k D_k, over k ≥ 1 when `ignoreBackground`.',
    'With a region of interest (the batch\'s `roi`) the sums run over counted pixels only.',
    '',
    'Inputs: student logits [N,H,W,K], labels [N,H,W] int32. Needs labels.',
  ].join('\n'),
  schema: { type: 'object', additionalProperties: false, properties: diceSchemaProperties },
  create: (options) => new DiceLoss(options),
});
