import * as tf from '@tensorflow/tfjs';
import { defineComponent, type ComponentContext, type LossBindContext, type LossInputs, type LossRequirements, type LossTerm, type OptionRuleViolation, type Rng } from '@graphflow/core';
import { ConvLayer, uniqueSuffix } from '../util/conv';
import { adaptiveAvgPool } from '../util/pooling';
import { componentRng } from '../util/seed';
import { multiTapRules, multiTapSchema, type MultiTapOptions } from './tap-options';
import { BoundTapPairs } from './bound-tap-pairs';

export interface VidOptions extends MultiTapOptions {
  initVariance: number;
  hiddenChannels: number | null;
}

/** Floor of the predicted variance, so log σ² stays finite (the authors' ε). */
const VARIANCE_FLOOR = 1e-5;

/** Inverse of softplus: the raw parameter whose softplus is `v`. */
function inverseSoftplus(v: number): number {
  return Math.log(Math.expm1(v));
}

/**
 * One pair's variational model of the teacher feature given the student's: a mean μ(s) from three 1×1 convolutions
 * (ReLU between) and one variance σ²_c = softplus(α_c) + ε per teacher channel.
 * Student [N,h,w,C_s] → mean [N,h,w,C_t].
 */
class VidRegressor {
  private readonly convs: ConvLayer[];
  readonly alpha: tf.Variable;

  constructor(name: string, inChannels: number, outChannels: number, hidden: number, initVariance: number, rng: Rng) {
    this.convs = [new ConvLayer(`${name}.conv1`, inChannels, hidden, 1, 1, rng), new ConvLayer(`${name}.conv2`, hidden, hidden, 1, 1, rng), new ConvLayer(`${name}.conv3`, hidden, outChannels, 1, 1, rng)];
    this.alpha = tf.tidy(() => tf.variable(tf.fill([outChannels], inverseSoftplus(initVariance - VARIANCE_FLOOR)), true, `${name}.alpha_${uniqueSuffix()}`));
  }

  mean(s: tf.Tensor4D): tf.Tensor4D {
    const [a, b, c] = this.convs as [ConvLayer, ConvLayer, ConvLayer];
    return c.apply(tf.relu(b.apply(tf.relu(a.apply(s)))));
  }

  variance(): tf.Tensor1D {
    return tf.add(tf.softplus(this.alpha), VARIANCE_FLOOR) as tf.Tensor1D;
  }

  variables(): tf.Variable[] {
    return [...this.convs.flatMap((c) => c.variables()), this.alpha];
  }

  named(name: string): { name: string; variable: tf.Variable }[] {
    return [...this.convs.flatMap((c) => c.named()), { name: `${name}.alpha`, variable: this.alpha }];
  }

  dispose(): void {
    for (const c of this.convs) c.dispose();
    this.alpha.dispose();
  }
}

/**
 * Negative log-likelihood of the teacher feature t under N(μ(s), σ²) per channel, up to a constant:
 * mean_{n,h,w,c} ½ [ (t − μ)² / σ²_c + log σ²_c ]. The student feature is pooled to the teacher's grid first
 * (or both to the smaller one). Minimising it maximises a lower bound on the mutual information I(t; s).
 */
export function vidNegativeLogLikelihood(mean: tf.Tensor4D, variance: tf.Tensor1D, teacher: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.mean(tf.add(tf.div(tf.square(tf.sub(teacher, mean)), variance), tf.log(variance))), 0.5) as tf.Scalar);
}

export class VidLoss implements LossTerm {
  readonly id = 'vid';
  private readonly pairs = new BoundTapPairs('vid');
  private readonly regressors: { name: string; regressor: VidRegressor }[] = [];

  constructor(private readonly options: VidOptions, private readonly rng: Rng) {}

  requirements(): LossRequirements {
    return this.pairs.requirements();
  }

  bind(ctx: LossBindContext): void {
    const taps = this.pairs.bind(this.options, ctx, 1);
    this.disposeRegressors();
    taps.student.forEach((s, i) => {
      const t = taps.teacher[i]!;
      const name = `regressor${i}.${s.name}`;
      this.regressors.push({ name, regressor: new VidRegressor(name, s.channels, t.channels, this.options.hiddenChannels ?? t.channels, this.options.initVariance, this.rng) });
    });
  }

  compute(inputs: LossInputs): tf.Scalar {
    return tf.tidy(() => {
      const terms = this.regressors.map(({ regressor }, i) => {
        const s = this.pairs.student(inputs, i);
        const t = this.pairs.teacher(inputs, i);
        const h = Math.min(s.shape[1], t.shape[1]);
        const w = Math.min(s.shape[2], t.shape[2]);
        return vidNegativeLogLikelihood(regressor.mean(adaptiveAvgPool(s, h, w)), regressor.variance(), adaptiveAvgPool(t, h, w));
      });
      return tf.addN(terms) as tf.Scalar;
    });
  }

  trainableVariables(): tf.Variable[] {
    return this.regressors.flatMap((r) => r.regressor.variables());
  }

  weights(): { name: string; variable: tf.Variable }[] {
    return this.regressors.flatMap((r) => r.regressor.named(r.name));
  }

  dispose(): void {
    this.disposeRegressors();
  }

  private disposeRegressors(): void {
    for (const r of this.regressors) r.regressor.dispose();
    this.regressors.length = 0;
  }
}

function vidRules(o: VidOptions): OptionRuleViolation[] {
  const problems = multiTapRules(o, 1);
  if (o.initVariance <= VARIANCE_FLOOR) problems.push({ pointer: '/initVariance', message: `initVariance must be > ${VARIANCE_FLOOR}, got ${o.initVariance}`, expected: `number > ${VARIANCE_FLOOR}` });
  return problems;
}

export const vidComponent = defineComponent<VidOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'vid',
  description: 'Variational information distillation: the student\'s features predict the teacher\'s under a learned Gaussian (Ahn et al., CVPR 2019).',
  docs: [
    '**Formula.** For each tap pair, a regressor μ (three 1×1 convolutions with ReLU between, the term\'s own variables) maps',
    'the student feature s to the teacher\'s channels, and a variance σ²_c = softplus(α_c) + 1e-5 is learned per teacher channel.',
    'L = Σ_pairs mean_{n,h,w,c} ½ [ (t − μ(s))² / σ²_c + log σ²_c ]: the negative log-likelihood of the teacher feature,',
    'whose minimum over μ and σ is a variational lower bound on the mutual information I(t; s). Channels the student',
    'cannot predict get a large σ² and so a small weight, unlike a plain feature-matching L2.',
    'Both features are pooled to the smaller grid of the pair. σ² starts at `initVariance` (the authors\' 5).',
    'Source: Ahn, Hu, Damianou, Lawrence, Dai, "Variational Information Distillation for Knowledge Transfer", CVPR 2019.',
    '',
    "Region of interest: not applied (pooled feature positions mix pixels inside and outside the batch's `roi`).",
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...multiTapSchema(),
      initVariance: { type: 'number', default: 5, description: 'Initial σ² of every teacher channel (the authors\' 5).' },
      hiddenChannels: { type: ['integer', 'null'], minimum: 1, default: null, description: "Channels of the regressor's hidden 1×1 layers; null = the teacher tap's channels." },
    },
  },
  rules: vidRules,
  create: (options, ctx: ComponentContext) => new VidLoss(options, componentRng(ctx)),
});
