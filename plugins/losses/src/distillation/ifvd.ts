import * as tf from '@tensorflow/tfjs';
import { defineComponent, type LossBindContext, type LossInputs, type LossRequirements, type LossTerm } from '@graphflow/core';
import { StatelessTerm, tapOf } from '../util/base-term';
import { NORM_EPS } from '../util/normalize';
import { poolToCommon, resizeLabels } from '../util/pooling';
import { stopGradient } from '../util/stop-gradient';
import { requireTeacher } from '../util/taps';
import { requireLabels } from '../segmentation/cross-entropy';
import { resolveSingleTap, singleTapSchema, type SingleTapOptions } from './tap-options';

/**
 * Intra-class feature variation map: cosine similarity of every pixel's feature with its class prototype
 * (the mean feature of that class in the same image). features [N,h,w,C], labels [N,h,w] → [N,h·w].
 */
export function intraClassVariation(features: tf.Tensor4D, labels: tf.Tensor3D, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w, c] = features.shape;
    const f = tf.reshape(features, [n, h * w, c]);
    const y = tf.reshape(tf.oneHot(tf.cast(labels, 'int32'), numClasses).toFloat(), [n, h * w, numClasses]);
    const counts = tf.sum(y, 1); // [N,K]
    const prototypes = tf.div(tf.matMul(y, f, true, false), tf.expandDims(tf.maximum(counts, 1), 2)); // [N,K,C]
    const own = tf.matMul(y, prototypes); // [N,P,C]
    const dot = tf.sum(tf.mul(f, own), 2);
    const norms = tf.mul(tf.sqrt(tf.add(tf.sum(tf.square(f), 2), NORM_EPS)), tf.sqrt(tf.add(tf.sum(tf.square(own), 2), NORM_EPS)));
    return tf.div(dot, norms) as tf.Tensor2D;
  });
}

export class IfvdLoss extends StatelessTerm implements LossTerm {
  private studentTap = '';
  private teacherTap = '';
  private numClasses = 0;
  constructor(private readonly options: SingleTapOptions) {
    super('ifvd');
  }
  requirements(): LossRequirements {
    return { labels: true, teacher: true, studentTaps: [this.studentTap], teacherTaps: [this.teacherTap] };
  }
  override bind(ctx: LossBindContext): void {
    const taps = resolveSingleTap(this.options, ctx.student, requireTeacher(ctx.teacher, 'ifvd'));
    this.teacherTap = taps.teacher.name;
    this.studentTap = taps.student.name;
    this.numClasses = ctx.numClasses;
  }
  compute(inputs: LossInputs): tf.Scalar {
    const labels = requireLabels(inputs, 'ifvd');
    return tf.tidy(() => {
      const [s, t] = poolToCommon(tapOf(inputs.student.taps, this.studentTap, 'student', this.id), stopGradient(tapOf(inputs.teacher!.taps, this.teacherTap, 'teacher', this.id)));
      const small = resizeLabels(labels, s.shape[1], s.shape[2]);
      return tf.mean(tf.square(tf.sub(intraClassVariation(s, small, this.numClasses), intraClassVariation(t, small, this.numClasses)))) as tf.Scalar;
    });
  }
}

export const ifvdComponent = defineComponent<SingleTapOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'ifvd',
  description: 'Intra-class feature variation distillation: match each pixel\'s similarity to its class prototype (Wang et al., ECCV 2020).',
  docs: [
    '**Formula.** Taps pooled to the smaller grid; labels resized (nearest) to it. Prototype of class k in image n:',
    'p_k = mean of f_i over pixels with y_i = k. IFV map M_i = cos(f_i, p_{y_i}). L = mean_{n,i} (M^S_i − M^T_i)².',
    'Needs labels; channel counts may differ.',
    'Source: Wang, Zhou, Chen, Zhou, Chen, "Intra-class Feature Variation Distillation for Semantic Segmentation", ECCV 2020.',
    '', "Region of interest: not applied (class prototypes are pooled over downsampled feature maps; the batch's `roi` is ignored).",
  ].join('\n'),
  schema: { type: 'object', additionalProperties: false, properties: { ...singleTapSchema } },
  create: (options) => new IfvdLoss(options),
});
