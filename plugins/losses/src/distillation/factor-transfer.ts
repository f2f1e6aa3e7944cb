import * as tf from '@tensorflow/tfjs';
import {
  defineComponent,
  type ComponentContext,
  type FeatureParaphraser,
  type LossBindContext,
  type LossInputs,
  type LossRequirements,
  type LossTerm,
  type Rng,
} from '@graphflow/core';
import { TapAdapters } from '../modules/tap-adapters';
import { tapOf } from '../util/base-term';
import { l2Normalize } from '../util/normalize';
import { poolToCommon } from '../util/pooling';
import { componentRng } from '../util/seed';
import { requireTeacher } from '../util/taps';
import { resolveSingleTap, singleTapSchema, type SingleTapOptions } from './tap-options';

export interface FactorTransferOptions extends SingleTapOptions {
  paraphraser: string;
  norm: 'l1' | 'l2';
  translatorDepth: number;
}

/**
 * Factor transfer (Kim, Park, Kwak, NeurIPS 2018): the teacher factor is the frozen paraphraser's encoding of a
 * teacher tap; a trainable translator maps the student tap to the same C′. Factors are pooled to the smaller
 * grid, flattened and L2-normalised per image; L = mean_n ‖F̂_S − F̂_T‖_p.
 */
export class FactorTransferLoss implements LossTerm {
  readonly id = 'ft';
  private studentTap = '';
  private teacherTap = '';
  private readonly adapters: TapAdapters;

  constructor(private readonly options: FactorTransferOptions, private readonly paraphraser: FeatureParaphraser, rng: Rng) {
    this.adapters = new TapAdapters('ft', paraphraser, 0, options.translatorDepth, rng);
  }

  requirements(): LossRequirements {
    return { labels: false, teacher: true, studentTaps: [this.studentTap], teacherTaps: [this.teacherTap] };
  }

  bind(ctx: LossBindContext): void {
    const teacher = requireTeacher(ctx.teacher, 'ft');
    const deepest = this.paraphraser.teacherTaps[this.paraphraser.teacherTaps.length - 1]!;
    const taps = resolveSingleTap(this.options, ctx.student, teacher, deepest);
    this.adapters.bind([taps.teacher], [taps.student], '/teacherTap');
    this.teacherTap = taps.teacher.name;
    this.studentTap = taps.student.name;
  }

  compute(inputs: LossInputs): tf.Scalar {
    const teacher = inputs.teacher!;
    return tf.tidy(() => {
      const [fs, ft] = poolToCommon(
        this.adapters.studentFactor(0, tapOf(inputs.student.taps, this.studentTap, 'student', 'ft')),
        this.adapters.teacherFactor(0, tapOf(teacher.taps, this.teacherTap, 'teacher', 'ft')),
      );
      const flat = (f: tf.Tensor4D) => l2Normalize(tf.reshape(f, [f.shape[0], -1]), 1);
      const diff = tf.sub(flat(fs), flat(ft));
      const perImage = this.options.norm === 'l1' ? tf.sum(tf.abs(diff), 1) : tf.sqrt(tf.add(tf.sum(tf.square(diff), 1), 1e-12));
      return tf.mean(perImage) as tf.Scalar;
    });
  }

  trainableVariables(): tf.Variable[] {
    return this.adapters.variables();
  }

  weights(): { name: string; variable: tf.Variable }[] {
    return this.adapters.named();
  }

  dispose(): void {
    this.adapters.dispose();
  }
}

export const factorTransferComponent = defineComponent<FactorTransferOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'ft',
  description: 'Factor transfer: student translator factors match the frozen paraphraser\'s teacher factors (Kim et al., NeurIPS 2018).',
  docs: [
    '**Formula.** F_T = paraphraser.encode(teacher tap) [N,h,w,C′] (frozen), F_S = translator(student tap) [N,h\',w\',C′] (trainable,',
    'conv3×3 + LeakyReLU(0.1) × translatorDepth). Both pooled to the smaller grid, flattened and L2-normalised per image:',
    'L = mean_n ‖F̂_S − F̂_T‖_p with p = 1 (paper) or 2. Train the paraphraser first (module/paraphraser in its own stage).',
    'Source: Kim, Park, Kwak, "Paraphrasing Complex Network: Network Compression via Factor Transfer", NeurIPS 2018.',
    '', "Region of interest: not applied (a feature-level term on whole factor maps; the batch's `roi` is ignored).",
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['paraphraser'],
    properties: {
      paraphraser: { type: 'string', gfRef: 'models', description: 'The trained module/paraphraser, e.g. "models.paraphraser".' },
      ...singleTapSchema,
      norm: { type: 'string', enum: ['l1', 'l2'], default: 'l1', description: 'Norm p of the factor difference (the paper uses l1).' },
      translatorDepth: { type: 'integer', minimum: 1, maximum: 3, default: 1, description: 'Conv3×3 layers in the student translator.' },
    },
  },
  create: async (options, ctx: ComponentContext) => new FactorTransferLoss(options, await ctx.resolve<FeatureParaphraser>(options.paraphraser), componentRng(ctx)),
});
