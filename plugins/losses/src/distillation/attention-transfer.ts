import * as tf from '@tensorflow/tfjs';
import { defineComponent, type LossBindContext, type LossInputs, type LossRequirements, type LossTerm } from '@graphflow/core';
import { StatelessTerm } from '../util/base-term';
import { l2Normalize } from '../util/normalize';
import { adaptiveAvgPool } from '../util/pooling';
import { multiTapRules, multiTapSchema, type MultiTapOptions } from './tap-options';
import { BoundTapPairs } from './bound-tap-pairs';

export interface AttentionTransferOptions extends MultiTapOptions {
  p: number;
  beta: number;
}

/** Spatial attention map Q = mean_c |F_c|^p: [N,h,w,C] → [N,h,w,1] (channel-count independent). */
export function attentionMap(feature: tf.Tensor4D, p: number): tf.Tensor4D {
  return tf.tidy(() => tf.mean(tf.pow(tf.abs(feature), p), 3, true) as tf.Tensor4D);
}

/** Q̂: the attention map pooled to h×w, flattened and L2-normalised per image: [N,H,W,C] → [N,h·w]. */
export function normalizedAttention(feature: tf.Tensor4D, p: number, h: number, w: number): tf.Tensor2D {
  return tf.tidy(() => l2Normalize(tf.reshape(adaptiveAvgPool(attentionMap(feature, p), h, w), [feature.shape[0], h * w]), 1) as tf.Tensor2D);
}

/**
 * β/2 · Σ_j mean_{n,i} (Q̂_S,j − Q̂_T,j)² with Q̂ the attention map pooled to the smaller of the two grids,
 * flattened and L2-normalised per image (Zagoruyko & Komodakis' reference code uses exactly this mean).
 */
export function attentionTransfer(student: readonly tf.Tensor4D[], teacher: readonly tf.Tensor4D[], p: number, beta: number): tf.Scalar {
  return tf.tidy(() => {
    const terms = student.map((s, j) => {
      const t = teacher[j]!;
      const h = Math.min(s.shape[1], t.shape[1]);
      const w = Math.min(s.shape[2], t.shape[2]);
      return tf.mean(tf.square(tf.sub(normalizedAttention(s, p, h, w), normalizedAttention(t, p, h, w))));
    });
    return tf.mul(tf.addN(terms), beta / 2) as tf.Scalar;
  });
}

export class AttentionTransferLoss extends StatelessTerm implements LossTerm {
  private readonly pairs = new BoundTapPairs('at');
  constructor(private readonly options: AttentionTransferOptions) {
    super('at');
  }
  requirements(): LossRequirements {
    return this.pairs.requirements();
  }
  override bind(ctx: LossBindContext): void {
    this.pairs.bind(this.options, ctx, 1);
  }
  compute(inputs: LossInputs): tf.Scalar {
    return tf.tidy(() => {
      const indices = [...Array(this.pairs.count).keys()];
      return attentionTransfer(indices.map((i) => this.pairs.student(inputs, i)), indices.map((i) => this.pairs.teacher(inputs, i)), this.options.p, this.options.beta);
    });
  }
}

export const attentionTransferComponent = defineComponent<AttentionTransferOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'at',
  description: 'Attention transfer: match normalised spatial attention maps of paired taps (Zagoruyko & Komodakis, ICLR 2017).',
  docs: [
    '**Formula.** Q(F) = mean_c |F_c|^p [N,h,w]; pooled to the smaller grid of each pair, flattened, L2-normalised per image: Q̂.',
    'L = β/2 · Σ_j mean_{n,i} (Q̂_S,j − Q̂_T,j)². Channel counts may differ (Q is channel-free).',
    'Source: Zagoruyko, Komodakis, "Paying More Attention to Attention: Improving the Performance of CNNs via Attention Transfer", ICLR 2017.',
    '', "Region of interest: not applied. Attention maps are normalised over the whole pooled feature map, whose positions mix pixels inside and outside the batch's `roi`; pixels outside it still shape the maps.",
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...multiTapSchema(),
      p: { type: 'number', exclusiveMinimum: 0, default: 2, description: 'Exponent p of the attention map mean_c |F_c|^p.' },
      beta: { type: 'number', minimum: 0, default: 1000, description: 'β; the reference code uses 1000 with the β/2 factor.' },
    },
  },
  rules: (o) => multiTapRules(o, 1),
  create: (options) => new AttentionTransferLoss(options),
});
