import * as tf from '@tensorflow/tfjs';
import { defineComponent, GraphFlowError, type LossInputs, type LossRequirements, type LossTerm } from '@graphflow/core';
import { StatelessTerm } from '../util/base-term';
import { roiMean } from '../util/roi';

export interface CrossEntropyOptions {
  /** Per-class weights (length K) or null for unweighted. */
  classWeights: number[] | null;
}

/**
 * Pixel-wise cross-entropy of logits [N,H,W,K] against labels [N,H,W] int32.
 * Weighted form: Σ_i w_{y_i}·(−log p_i[y_i]) / Σ_i w_{y_i} (the weighted mean PyTorch uses), so the
 * scale stays comparable whatever the weights. With `roi` [N,H,W] (1 = pixel counts), pixels outside it get weight 0,
 * so the result equals the loss over the counted pixels only.
 */
export function crossEntropy(logits: tf.Tensor4D, labels: tf.Tensor3D, classWeights: readonly number[] | null, roi?: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[3];
    const logProbs = tf.logSoftmax(logits, -1);
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), k).toFloat();
    const nll = tf.neg(tf.sum(tf.mul(oneHot, logProbs), -1));
    if (!classWeights) return roiMean(nll as tf.Tensor3D, roi);
    let pixelWeights = tf.sum(tf.mul(oneHot, tf.tensor1d([...classWeights])), -1);
    if (roi) pixelWeights = tf.mul(pixelWeights, roi);
    return tf.div(tf.sum(tf.mul(nll, pixelWeights)), tf.maximum(tf.sum(pixelWeights), 1e-12)) as tf.Scalar;
  });
}

export class CrossEntropyLoss extends StatelessTerm implements LossTerm {
  constructor(private readonly options: CrossEntropyOptions) {
    super('ce');
  }
  requirements(): LossRequirements {
    return { labels: true, teacher: false, studentTaps: [], teacherTaps: [] };
  }
  override bind(ctx: { numClasses: number }): void {
    checkWeightCount(this.options.classWeights, ctx.numClasses);
  }
  compute(inputs: LossInputs): tf.Scalar {
    return crossEntropy(inputs.student.logits, requireLabels(inputs, 'ce'), this.options.classWeights, inputs.roi);
  }
}

export function requireLabels(inputs: LossInputs, term: string): tf.Tensor3D {
  if (!inputs.labels) throw new Error(`loss/${term} needs labels but the batch has none (the stage must skip label terms on unlabeled batches)`);
  return inputs.labels;
}

export function checkWeightCount(weights: readonly number[] | null, numClasses: number): void {
  if (weights && weights.length !== numClasses) {
    throw new GraphFlowError(
      'GF_OPTIONS_INVALID',
      `classWeights has ${weights.length} entries but the network predicts ${numClasses} classes`,
      { pointer: '/classWeights' },
    );
  }
}

export const classWeightsSchema = {
  description: 'Per-class weights (one per class, background first), or null for unweighted. Pixels are weighted by their true class; the result is the weighted mean.',
  type: ['array', 'null'],
  items: { type: 'number', minimum: 0 },
  minItems: 1,
  default: null,
};

export const crossEntropyComponent = defineComponent<CrossEntropyOptions, LossTerm>({
  kind: 'loss',
  role: 'supervised',
  name: 'ce',
  description: 'Pixel-wise cross-entropy, optionally class-weighted.',
  docs: [
    '**Formula.** L = Σ_i w_{y_i}·(−log softmax(z_i)[y_i]) / Σ_i w_{y_i} over all pixels i of the batch; with no class weights, w ≡ 1 (plain mean).',
    'With a region of interest (the batch\'s `roi`: field of view, ignore label) only counted pixels enter both sums.',
    '',
    'Inputs: student logits [N,H,W,K], labels [N,H,W] int32. Needs labels (skipped on unlabeled batches).',
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { classWeights: classWeightsSchema },
  },
  rules: (o) => (o.classWeights && o.classWeights.every((w) => w === 0) ? [{ pointer: '/classWeights', message: 'all class weights are 0, so the loss is always 0', expected: 'at least one weight > 0' }] : []),
  create: (options) => new CrossEntropyLoss(options),
});
