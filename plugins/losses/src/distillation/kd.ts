import * as tf from '@tensorflow/tfjs';
import { defineComponent, type LossInputs, type LossRequirements, type LossTerm } from '@graphflow/core';
import { StatelessTerm } from '../util/base-term';
import { stopGradient } from '../util/stop-gradient';
import { roiMean } from '../util/roi';
import { temperatureRule } from '../util/temperature-rule';

export interface KdOptions {
  temperature: number;
}

/**
 * Pixel-wise KL(p_T^τ ‖ p_S^τ) of temperature-softened class distributions, summed over classes, averaged
 * over pixels and batch, scaled by τ² (so gradient magnitudes do not shrink as τ grows; Hinton et al. 2015).
 * Logits [N,H,W,K]; the teacher's logits are treated as constants. With `roi` [N,H,W], the mean runs over counted pixels.
 */
export function pixelKd(studentLogits: tf.Tensor4D, teacherLogits: tf.Tensor4D, temperature: number, roi?: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const logPs = tf.logSoftmax(tf.div(studentLogits, temperature), -1);
    const logPt = tf.logSoftmax(tf.div(stopGradient(teacherLogits), temperature), -1);
    const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), -1);
    return tf.mul(roiMean(kl as tf.Tensor3D, roi), temperature * temperature) as tf.Scalar;
  });
}

export class KdLoss extends StatelessTerm implements LossTerm {
  constructor(private readonly options: KdOptions, id = 'kd') {
    super(id);
  }
  requirements(): LossRequirements {
    return { labels: false, teacher: true, studentTaps: [], teacherTaps: [] };
  }
  compute(inputs: LossInputs): tf.Scalar {
    if (!inputs.teacher) throw new Error(`loss/${this.id} needs the teacher's output`);
    return pixelKd(inputs.student.logits, inputs.teacher.logits, this.options.temperature, inputs.roi);
  }
}

export const kdComponent = defineComponent<KdOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'kd',
  description: 'Logit distillation: pixel-wise KL divergence of temperature-softened class distributions, ×T².',
  docs: [
    '**Formula.** p^τ = softmax(z/τ). L = τ² · mean_{n,h,w} Σ_k p_T^τ[k]·(log p_T^τ[k] − log p_S^τ[k]); with a region of interest',
    '(the batch\'s `roi`), the mean runs over its counted pixels only.',
    'Source: Hinton, Vinyals, Dean, "Distilling the Knowledge in a Neural Network" (2015), applied per pixel.',
    '',
    'Inputs: student and teacher logits [N,H,W,K] at the same resolution. Needs a teacher, no labels.',
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      temperature: { type: 'number', default: 4, description: 'Softening temperature τ (> 0). The loss is scaled by τ².' },
    },
  },
  rules: (o) => temperatureRule(o.temperature),
  create: (options) => new KdLoss(options),
});
