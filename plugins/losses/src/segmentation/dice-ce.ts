import * as tf from '@tensorflow/tfjs';
import { defineComponent, GraphFlowError, type LossInputs, type LossRequirements, type LossTerm } from '@graphflow/core';
import { StatelessTerm } from '../util/base-term';
import { checkWeightCount, classWeightsSchema, crossEntropy, requireLabels } from './cross-entropy';
import { diceSchemaProperties, softDice } from './dice';

export interface DiceCeOptions {
  ceWeight: number;
  diceWeight: number;
  classWeights: number[] | null;
  ignoreBackground: boolean;
  smooth: number;
}

/** The usual medical-segmentation objective: α·CE + β·Dice (see loss/ce and loss/dice). */
export class DiceCeLoss extends StatelessTerm implements LossTerm {
  constructor(private readonly options: DiceCeOptions) {
    super('dice-ce');
  }
  requirements(): LossRequirements {
    return { labels: true, teacher: false, studentTaps: [], teacherTaps: [] };
  }
  override bind(ctx: { numClasses: number }): void {
    checkWeightCount(this.options.classWeights, ctx.numClasses);
    if (this.options.ignoreBackground && ctx.numClasses < 2) {
      throw new GraphFlowError('GF_OPTIONS_INVALID', 'ignoreBackground needs at least 2 classes', { pointer: '/ignoreBackground' });
    }
  }
  compute(inputs: LossInputs): tf.Scalar {
    const labels = requireLabels(inputs, 'dice-ce');
    return tf.tidy(() =>
      tf.add(
        tf.mul(crossEntropy(inputs.student.logits, labels, this.options.classWeights, inputs.roi), this.options.ceWeight),
        tf.mul(softDice(inputs.student.logits, labels, this.options, inputs.roi), this.options.diceWeight),
      ) as tf.Scalar,
    );
  }
}

export const diceCeComponent = defineComponent<DiceCeOptions, LossTerm>({
  kind: 'loss',
  role: 'supervised',
  name: 'dice-ce',
  description: 'Weighted sum of cross-entropy and soft Dice.',
  docs: [
    '**Formula.** L = ceWeight·CE(z, y) + diceWeight·(1 − mean_k D_k), with CE and D_k as in `loss/ce` and `loss/dice`',
    '(both over the batch\'s region of interest only, when it has one).',
    '',
    'Inputs: student logits [N,H,W,K], labels [N,H,W] int32. Needs labels.',
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ceWeight: { type: 'number', minimum: 0, default: 1, description: 'Weight of the cross-entropy part.' },
      diceWeight: { type: 'number', minimum: 0, default: 1, description: 'Weight of the Dice part.' },
      classWeights: classWeightsSchema,
      ...diceSchemaProperties,
    },
  },
  rules: (o) => (o.ceWeight === 0 && o.diceWeight === 0 ? [{ pointer: '/ceWeight', message: 'ceWeight and diceWeight are both 0, so the loss is always 0', expected: 'at least one weight > 0' }] : []),
  create: (options) => new DiceCeLoss(options),
});
