import * as tf from '@tensorflow/tfjs';
import { defineComponent, type LossBindContext, type LossInputs, type LossRequirements, type LossTerm } from '@graphflow/core';
import { StatelessTerm, tapOf } from '../util/base-term';
import { l2Normalize } from '../util/normalize';
import { adaptiveAvgPool } from '../util/pooling';
import { stopGradient } from '../util/stop-gradient';
import { requireTeacher } from '../util/taps';
import { resolveSingleTap, singleTapSchema, type SingleTapOptions } from './tap-options';

export interface SkdPairOptions extends SingleTapOptions {
  grid: number;
}

/**
 * Pair-wise affinity of a feature pooled to grid×grid nodes: a_ij = cos(f_i, f_j).
 * [N,h,w,C] → [N,g²,g²] (channel-count independent, so student and teacher compare directly).
 */
export function pairwiseAffinity(feature: tf.Tensor4D, grid: number): tf.Tensor3D {
  return tf.tidy(() => {
    const pooled = adaptiveAvgPool(feature, grid, grid);
    const nodes = l2Normalize(tf.reshape(pooled, [feature.shape[0], grid * grid, feature.shape[3]]), 2);
    return tf.matMul(nodes, nodes, false, true) as tf.Tensor3D;
  });
}

export class SkdPairLoss extends StatelessTerm implements LossTerm {
  private studentTap = '';
  private teacherTap = '';
  constructor(private readonly options: SkdPairOptions) {
    super('skd-pair');
  }
  requirements(): LossRequirements {
    return { labels: false, teacher: true, studentTaps: [this.studentTap], teacherTaps: [this.teacherTap] };
  }
  override bind(ctx: LossBindContext): void {
    const taps = resolveSingleTap(this.options, ctx.student, requireTeacher(ctx.teacher, 'skd-pair'));
    this.teacherTap = taps.teacher.name;
    this.studentTap = taps.student.name;
  }
  compute(inputs: LossInputs): tf.Scalar {
    return tf.tidy(() => {
      const s = pairwiseAffinity(tapOf(inputs.student.taps, this.studentTap, 'student', this.id), this.options.grid);
      const t = pairwiseAffinity(stopGradient(tapOf(inputs.teacher!.taps, this.teacherTap, 'teacher', this.id)), this.options.grid);
      return tf.mean(tf.square(tf.sub(s, t))) as tf.Scalar;
    });
  }
}

export const skdPairComponent = defineComponent<SkdPairOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'skd-pair',
  description: 'Structured KD, pair-wise: match cosine affinities between all pairs of spatial nodes (Liu et al., CVPR 2019).',
  docs: [
    '**Formula.** Pool the tap to grid×grid nodes f_i; a_ij = f_iᵀf_j / (‖f_i‖‖f_j‖). L = (1/(N·g⁴)) Σ_n Σ_ij (a^S_ij − a^T_ij)².',
    'Channel counts and resolutions of the two taps may differ.',
    'Source: Liu, Chen, Liu, Qin, Luo, Wang, "Structured Knowledge Distillation for Semantic Segmentation", CVPR 2019.',
    '', "Region of interest: not applied. Pairwise affinities are between pooled feature nodes that mix pixels inside and outside the batch's `roi`.",
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...singleTapSchema,
      grid: { type: 'integer', minimum: 1, maximum: 64, default: 8, description: 'Nodes per side: the tap is adaptive-average-pooled to grid×grid (the paper\'s β×β local patches).' },
    },
  },
  create: (options) => new SkdPairLoss(options),
});
