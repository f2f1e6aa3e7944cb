import * as tf from '@tensorflow/tfjs';
import { defineComponent, GraphFlowError, type LossBindContext, type LossInputs, type LossRequirements, type LossTerm, type OptionRuleViolation } from '@graphflow/core';
import { StatelessTerm } from '../util/base-term';
import { stopGradient } from '../util/stop-gradient';
import { temperatureRule } from '../util/temperature-rule';

export interface DistOptions {
  temperature: number;
  beta: number;
  gamma: number;
}

/** Floor of the product of the two norms, so a constant (zero-variance) vector's correlation is 0, not NaN. */
const EPS = 1e-8;
/** Keeps sqrt's gradient finite at a zero variance. */
const TINY = 1e-30;

/**
 * Weighted Pearson correlation of `a` and `b` along `axis`, with non-negative weights `w` broadcast against them:
 * Σw(a−ā)(b−b̄) / max(sqrt(Σw(a−ā)²)·sqrt(Σw(b−b̄)²), ε), ā and b̄ the weighted means. Weights let the per-class relation
 * count only the pixels of the region of interest.
 */
export function weightedPearson(a: tf.Tensor, b: tf.Tensor, axis: number, w?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const weight = w ?? tf.onesLike(a);
    const total = tf.maximum(tf.sum(tf.mul(weight, tf.onesLike(a)), axis, true), 1e-12);
    const centre = (x: tf.Tensor) => tf.sub(x, tf.div(tf.sum(tf.mul(weight, x), axis, true), total));
    const ca = centre(a);
    const cb = centre(b);
    const cov = tf.sum(tf.mul(weight, tf.mul(ca, cb)), axis);
    const va = tf.sum(tf.mul(weight, tf.square(ca)), axis);
    const vb = tf.sum(tf.mul(weight, tf.square(cb)), axis);
    // As torch's cosine_similarity (which the authors' code uses): the floor applies to the product of the norms.
    const norms = tf.mul(tf.sqrt(tf.add(va, TINY)), tf.sqrt(tf.add(vb, TINY)));
    return tf.div(cov, tf.maximum(norms, EPS));
  });
}

/**
 * DIST for dense prediction. Every pixel is an instance with a K-class distribution p = softmax(z/τ):
 * inter = mean over pixels of 1 − ρ(p_S[i,:], p_T[i,:]) (each pixel's ranking of the classes), intra = mean over
 * classes of 1 − ρ(p_S[:,k], p_T[:,k]) over the batch's pixels (how each class's confidence varies across
 * pixels); L = τ²(β·inter + γ·intra). Logits [N,H,W,K]; the teacher's are constants; `roi` [N,H,W] restricts both
 * relations to counted pixels.
 *
 * With K = 2 the inter term is left out: two centred values are ±d, so ρ is ±1 (argmax agreement) with a zero
 * gradient everywhere except where the student's two logits tie, where the norm floor makes it singular. A freshly
 * initialised student ties almost everywhere: measured on CHASE_DB1 batches, that gradient was 10–250× the
 * cross-entropy's and pointed at random (cosine with it −0.9 to +0.9), which is what broke training with it.
 */
export function distLoss(studentLogits: tf.Tensor4D, teacherLogits: tf.Tensor4D, options: DistOptions, roi?: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const k = studentLogits.shape[3];
    const ps = tf.reshape(tf.softmax(tf.div(studentLogits, options.temperature), -1), [-1, k]);
    const pt = tf.reshape(tf.softmax(tf.div(stopGradient(teacherLogits), options.temperature), -1), [-1, k]);
    const w = roi ? tf.reshape(roi, [-1, 1]) : undefined;
    const intra = tf.mul(tf.mean(tf.sub(1, weightedPearson(ps, pt, 0, w))), options.gamma);
    const t2 = options.temperature * options.temperature;
    if (k === 2 || options.beta === 0) return tf.mul(intra, t2) as tf.Scalar;
    const inter = tf.sub(1, weightedPearson(ps, pt, 1));
    const interMean = w
      ? tf.div(tf.sum(tf.mul(inter, tf.reshape(w, [-1]))), tf.maximum(tf.sum(w), 1e-12))
      : tf.mean(inter);
    return tf.mul(tf.add(tf.mul(interMean, options.beta), intra), t2) as tf.Scalar;
  });
}

export class DistLoss extends StatelessTerm implements LossTerm {
  constructor(private readonly options: DistOptions) {
    super('dist');
  }
  requirements(): LossRequirements {
    return { labels: false, teacher: true, studentTaps: [], teacherTaps: [] };
  }
  override bind(ctx: LossBindContext): void {
    if (ctx.student.numClasses === 2 && this.options.gamma === 0) {
      throw new GraphFlowError('GF_OPTIONS_INVALID', 'loss/dist with two classes distils only the intra-class relation (the inter-class one is degenerate), but gamma is 0: the term would distil nothing', { pointer: '/gamma' });
    }
  }
  compute(inputs: LossInputs): tf.Scalar {
    if (!inputs.teacher) throw new Error('loss/dist needs the teacher\'s output');
    return distLoss(inputs.student.logits, inputs.teacher.logits, this.options, inputs.roi);
  }
}

function distRules(o: DistOptions): OptionRuleViolation[] {
  const problems: OptionRuleViolation[] = [];
  problems.push(...temperatureRule(o.temperature));
  if (o.beta === 0 && o.gamma === 0) problems.push({ pointer: '/beta', message: 'beta and gamma are both 0: the term would distil nothing', expected: 'beta > 0 or gamma > 0' });
  return problems;
}

export const distComponent = defineComponent<DistOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'dist',
  description: 'DIST: relation-based logit distillation by Pearson correlation, between classes per pixel and between pixels per class (Huang et al., NeurIPS 2022).',
  docs: [
    '**Formula.** p = softmax(z/τ) per pixel; ρ(u, v) = Pearson correlation. Pixels are the instances:',
    'inter = mean_i [1 − ρ(p_S[i,:], p_T[i,:])] (each pixel\'s relation between classes), intra = mean_k [1 − ρ(p_S[:,k], p_T[:,k])]',
    '(each class\'s relation between the batch\'s pixels); L = τ² (β·inter + γ·intra). Matching correlations instead of',
    'the exact distributions (as KL does) relaxes the match, which the authors show helps when the teacher is much',
    'stronger than the student.',
    'Source: Huang, You, Wang, Qian, Xu, "Knowledge Distillation from A Stronger Teacher", NeurIPS 2022 (their',
    'semantic-segmentation setting treats pixels as instances, as here). Defaults β = γ = 1, τ = 1 as in the paper.',
    '',
    'With two classes (one foreground) the inter-class term is left out: two centred values are perfectly correlated',
    'or anti-correlated, so it only says whether the argmax agrees, with a zero gradient except where the student\'s two',
    'logits tie, where it is singular. A freshly initialised student ties almost everywhere; on CHASE_DB1 batches that',
    'gradient measured 10–250× the cross-entropy\'s, in random directions, and training broke. Only γ·intra remains.',
    'Pearson\'s gradient also grows as 1/σ of the student\'s probabilities, large while they are still flat: ramp the',
    'term in with a `weightSchedule` warm-up when distilling into an untrained student.',
    'Region of interest: both relations count only the pixels of the batch\'s `roi` (weighted means).',
    '',
    'Inputs: student and teacher logits [N,H,W,K] at the same resolution. Needs a teacher, no labels.',
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      temperature: { type: 'number', default: 1, description: 'Softening temperature τ (> 0). The loss is scaled by τ².' },
      beta: { type: 'number', minimum: 0, default: 1, description: 'β, weight of the inter-class relation (per pixel).' },
      gamma: { type: 'number', minimum: 0, default: 1, description: 'γ, weight of the intra-class relation (per class over pixels).' },
    },
  },
  rules: distRules,
  create: (options) => new DistLoss(options),
});
