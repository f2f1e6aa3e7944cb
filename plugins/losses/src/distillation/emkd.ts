import * as tf from '@tensorflow/tfjs';
import { defineComponent, type LossBindContext, type LossInputs, type LossRequirements, type LossTerm, type OptionRuleViolation } from '@graphflow/core';
import { StatelessTerm } from '../util/base-term';
import { l2Normalize } from '../util/normalize';
import { adaptiveAvgPool } from '../util/pooling';
import { normalizedAttention } from './attention-transfer';
import { pixelKd } from './kd';
import { multiTapRules, multiTapSchema, type MultiTapOptions } from './tap-options';
import { BoundTapPairs } from './bound-tap-pairs';
import { temperatureRule } from '../util/temperature-rule';

export interface EmkdOptions extends MultiTapOptions {
  temperature: number;
  alpha: number;
  beta1: number;
  beta2: number;
}

/** Keeps a prototype of an empty region finite (the reference code's smoothing of the denominator). */
const REGION_SMOOTH = 1;

/**
 * Importance-map distillation of one tap pair: Σ_i (Q̂_S − Q̂_T)² averaged over the batch, Q̂ the per-image
 * L2-normalised map mean_c F_c² pooled to the smaller grid of the pair. [N,h,w,C_s], [N,h',w',C_t] → scalar.
 */
export function importanceMapDistillation(s: tf.Tensor4D, t: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const h = Math.min(s.shape[1], t.shape[1]);
    const w = Math.min(s.shape[2], t.shape[2]);
    return tf.mean(tf.sum(tf.square(tf.sub(normalizedAttention(s, 2, h, w), normalizedAttention(t, 2, h, w))), 1)) as tf.Scalar;
  });
}

/**
 * Region contrast of one feature map: each class's prototype is the mean feature over its (soft) region mask;
 * the result is the cosine similarity of every pair of prototypes, [N, K(K−1)/2]. `regions` [N,h,w,K] are
 * class maps already pooled to the feature's grid.
 */
export function regionContrast(feature: tf.Tensor4D, regions: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w, c] = feature.shape;
    const k = regions.shape[3];
    const f = tf.reshape(feature, [n, h * w, c]);
    const m = tf.reshape(regions, [n, h * w, k]);
    // [N,K,C] prototypes: Σ_i m_ik f_i / (Σ_i m_ik + smooth).
    const prototypes = tf.div(tf.matMul(m, f, true, false), tf.add(tf.expandDims(tf.sum(m, 1), 2), REGION_SMOOTH));
    const unit = l2Normalize(prototypes, 2);
    const cos = tf.matMul(unit, unit, false, true); // [N,K,K]
    const pairs: tf.Tensor[] = [];
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) pairs.push(tf.slice(cos, [0, i, j], [n, 1, 1]).reshape([n, 1]));
    return tf.concat(pairs, 1) as tf.Tensor2D;
  });
}

/** The class regions of a batch at a feature's grid: one-hot labels (or the teacher's argmax) × roi, average-pooled. */
function regionMaps(classes: tf.Tensor3D, k: number, roi: tf.Tensor3D | undefined, h: number, w: number): tf.Tensor4D {
  return tf.tidy(() => {
    let oneHot = tf.oneHot(tf.cast(classes, 'int32'), k) as tf.Tensor4D;
    if (roi) oneHot = tf.mul(oneHot, tf.expandDims(roi, 3));
    return adaptiveAvgPool(tf.cast(oneHot, 'float32') as tf.Tensor4D, h, w);
  });
}

export class EmkdLoss extends StatelessTerm implements LossTerm {
  private readonly pairs = new BoundTapPairs('emkd');
  constructor(private readonly options: EmkdOptions) {
    super('emkd');
  }

  requirements(): LossRequirements {
    // Regions come from the labels where a batch has them and from the teacher's prediction otherwise, so the term
    // also distils on unlabeled images.
    return this.pairs.requirements();
  }

  override bind(ctx: LossBindContext): void {
    this.pairs.bind(this.options, ctx, 1);
  }

  compute(inputs: LossInputs): tf.Scalar {
    const teacher = inputs.teacher;
    if (!teacher) throw new Error('loss/emkd needs the teacher\'s output');
    const { temperature, alpha, beta1, beta2 } = this.options;
    return tf.tidy(() => {
      const k = inputs.student.logits.shape[3];
      const classes = inputs.labels ?? (tf.argMax(teacher.logits, -1) as tf.Tensor3D);
      const terms: tf.Scalar[] = [tf.mul(pixelKd(inputs.student.logits, teacher.logits, temperature, inputs.roi), alpha) as tf.Scalar];
      for (let i = 0; i < this.pairs.count; i++) {
        const s = this.pairs.student(inputs, i);
        const t = this.pairs.teacher(inputs, i);
        terms.push(tf.mul(importanceMapDistillation(s, t), beta1) as tf.Scalar);
        const rs = regionContrast(s, regionMaps(classes, k, inputs.roi, s.shape[1], s.shape[2]));
        const rt = regionContrast(t, regionMaps(classes, k, inputs.roi, t.shape[1], t.shape[2]));
        terms.push(tf.mul(tf.mean(tf.square(tf.sub(rs, rt))), beta2) as tf.Scalar);
      }
      return tf.addN(terms) as tf.Scalar;
    });
  }
}

function emkdRules(o: EmkdOptions): OptionRuleViolation[] {
  const problems = multiTapRules(o, 1);
  problems.push(...temperatureRule(o.temperature));
  return problems;
}

export const emkdComponent = defineComponent<EmkdOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'emkd',
  description: 'EMKD: prediction-map KD + importance-map distillation + region-affinity distillation (Qin et al., IEEE TMI 2021).',
  docs: [
    '**Formula.** L = α·KD_τ(z_S, z_T) + Σ_taps [β1·IMD + β2·RAD].',
    'KD_τ is `loss/kd` (pixel-wise KL at temperature τ, ×τ²). IMD = mean_n Σ_i (Q̂_S − Q̂_T)², Q̂ the L2-normalised map',
    'mean_c F_c² pooled to the smaller grid of the pair (attention transfer on squared activations). RAD: each class\'s',
    'prototype is the mean feature over its region (the one-hot labels, or the teacher\'s argmax on unlabeled batches,',
    'times the roi, average-pooled to the feature\'s grid; denominator + 1); the region contrast is the cosine',
    'similarity of every pair of class prototypes; RAD = mean (contrast_S − contrast_T)². Channel counts may differ.',
    'Defaults follow the authors\' training code: τ = 4, α = 0.1, β1 = β2 = 0.9 (they tap one shallow and one deep',
    'feature; the default taps here are up to three spread shallow → deep, set two to match).',
    'Source: Qin, Bai, Tong, Xu, Wang, Zhang, Tu, "Efficient Medical Image Segmentation Based on Knowledge Distillation",',
    'IEEE Transactions on Medical Imaging 40(12), 2021.',
    '',
    'Use it instead of `loss/kd`, not beside it: it contains the logit term. Inputs: logits [N,H,W,K] and the taps.',
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...multiTapSchema(),
      temperature: { type: 'number', default: 4, description: 'τ of the prediction-map KD term (> 0).' },
      alpha: { type: 'number', minimum: 0, default: 0.1, description: 'α, weight of the prediction-map KD term.' },
      beta1: { type: 'number', minimum: 0, default: 0.9, description: 'β1, weight of importance-map distillation (per tap pair).' },
      beta2: { type: 'number', minimum: 0, default: 0.9, description: 'β2, weight of region-affinity distillation (per tap pair).' },
    },
  },
  rules: emkdRules,
  create: (options) => new EmkdLoss(options),
});
