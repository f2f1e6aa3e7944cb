import * as tf from '@tensorflow/tfjs';
import {
  defineComponent,
  type AdversaryStep,
  type ComponentContext,
  type LossBindContext,
  type LossInputs,
  type LossRequirements,
  type LossTerm,
  type Rng,
} from '@graphflow/core';
import { maskMaps } from '../util/roi';
import { componentRng } from '../util/seed';
import { stopGradient } from '../util/stop-gradient';
import { Discriminator } from './discriminator';

export interface AdversarialOptions {
  objective: 'hinge' | 'wgan-gp';
  gradientPenalty: number;
  withImage: boolean;
  widths: number[];
  spectralNorm: boolean;
  updateRatio: number;
}

/** Discriminator input: probabilities [N,H,W,K], with the image [N,H,W,C] appended on the channel axis when asked. */
function discriminatorInput(probs: tf.Tensor4D, images: tf.Tensor4D, withImage: boolean): tf.Tensor4D {
  return withImage ? tf.concat([probs, images], 3) : probs;
}

/** Discriminator scores of one `adversary.loss` call, read back for diagnostics (accuracy, mean scores). */
export interface AdversaryScores {
  teacher: Float32Array;
  student: Float32Array;
}

/** The adversary side with its diagnostics hook: `takeScores` returns (and forgets) the scores of the calls since the last take. */
export type AdversaryWithScores = AdversaryStep & { takeScores(): AdversaryScores[] };

/**
 * Adversarial distillation on the predictions (as in Liu et al. 2019's holistic loss): the student's softmax maps are
 * "fake", the teacher's "real". The term's compute() is the generator loss; `adversary` is the discriminator side,
 * trained by the stage with its own optimizer and update ratio.
 */
export class AdversarialLoss implements LossTerm {
  readonly id = 'adversarial';
  private discriminator: Discriminator | undefined;
  readonly adversary: AdversaryWithScores;
  private scores: AdversaryScores[] = [];

  constructor(private readonly options: AdversarialOptions, private readonly rng: Rng) {
    this.adversary = {
      updateRatio: options.updateRatio,
      trainableVariables: () => this.net().variables(),
      loss: (inputs) => this.discriminatorLoss(inputs.images, inputs.studentProbs, inputs.teacherProbs),
      takeScores: () => {
        const taken = this.scores;
        this.scores = [];
        return taken;
      },
    };
  }

  private net(): Discriminator {
    if (!this.discriminator) throw new Error('loss/adversarial: used before bind()');
    return this.discriminator;
  }

  requirements(): LossRequirements {
    return { labels: false, teacher: true, studentTaps: [], teacherTaps: [] };
  }

  bind(ctx: LossBindContext): void {
    this.discriminator?.dispose();
    const inChannels = ctx.numClasses + (this.options.withImage ? ctx.channels : 0);
    this.discriminator = new Discriminator(inChannels, this.options.widths, this.options.spectralNorm, this.rng);
  }

  /**
   * Generator loss −mean D(student probs) (both objectives): gradients reach the student, not the discriminator's update.
   * Probabilities outside the batch's roi are zeroed (the stage does the same to the maps the discriminator trains on).
   */
  compute(inputs: LossInputs): tf.Scalar {
    return tf.tidy(() => {
      const fake = discriminatorInput(maskMaps(tf.softmax(inputs.student.logits, -1) as tf.Tensor4D, inputs.roi), inputs.images, this.options.withImage);
      return tf.neg(tf.mean(this.net().score(fake))) as tf.Scalar;
    });
  }

  /**
   * hinge: mean relu(1 − D(real)) + mean relu(1 + D(fake)).
   * wgan-gp: mean D(fake) − mean D(real) + λ·mean_n (‖∇_x̂ D(x̂_n)‖₂ − 1)², x̂ = ε·real + (1−ε)·fake, ε ~ U(0,1) per sample.
   * The penalty's gradient w.r.t. the discriminator is second-order; tfjs 4.22 computes it (checked in tests).
   */
  discriminatorLoss(images: tf.Tensor4D, studentProbs: tf.Tensor4D, teacherProbs: tf.Tensor4D): tf.Scalar {
    const d = this.net();
    const n = images.shape[0];
    const eps = this.options.objective === 'wgan-gp' ? Float32Array.from({ length: n }, () => this.rng.next()) : null;
    return tf.tidy(() => {
      const fakeProbs = stopGradient(studentProbs);
      const realProbs = stopGradient(teacherProbs);
      const real = d.score(discriminatorInput(realProbs, images, this.options.withImage), true);
      const fake = d.score(discriminatorInput(fakeProbs, images, this.options.withImage));
      // Read back for diagnostics (N numbers per side, from this very forward): accuracy and mean scores.
      this.scores.push({ teacher: Float32Array.from(real.dataSync()), student: Float32Array.from(fake.dataSync()) });
      if (this.scores.length > 16) this.scores.shift();
      if (this.options.objective === 'hinge') {
        return tf.add(tf.mean(tf.relu(tf.sub(1, real))), tf.mean(tf.relu(tf.add(1, fake)))) as tf.Scalar;
      }
      const e = tf.tensor4d(eps!, [n, 1, 1, 1]);
      const mixed = tf.add(tf.mul(e, realProbs), tf.mul(tf.sub(1, e), fakeProbs)) as tf.Tensor4D;
      const grad = tf.grad((x: tf.Tensor) => tf.sum(d.score(discriminatorInput(x as tf.Tensor4D, images, this.options.withImage))))(mixed);
      const norm = tf.sqrt(tf.add(tf.sum(tf.square(grad), [1, 2, 3]), 1e-12));
      const penalty = tf.mean(tf.square(tf.sub(norm, 1)));
      return tf.add(tf.sub(tf.mean(fake), tf.mean(real)), tf.mul(penalty, this.options.gradientPenalty)) as tf.Scalar;
    });
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  weights(): { name: string; variable: tf.Variable }[] {
    return this.discriminator ? this.discriminator.named() : [];
  }

  dispose(): void {
    this.discriminator?.dispose();
    this.discriminator = undefined;
  }
}

export const adversarialComponent = defineComponent<AdversarialOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'adversarial',
  description: 'Adversarial distillation: a discriminator tells teacher from student probability maps; the student learns to fool it.',
  docs: [
    '**Formula.** x_S = softmax(z_S), x_T = softmax(z_T) [N,H,W,K] (⊕ image on channels when `withImage`). D: strided conv3×3 net',
    '(stride 2, LeakyReLU(0.2), optional spectral normalisation) → conv to 1 channel → spatial mean: a score per image.',
    'Generator (this term, trained with the student): L_G = −mean D(x_S).',
    'Discriminator (`adversary`, its own optimizer, `updateRatio` updates per student step):',
    'hinge: L_D = mean relu(1 − D(x_T)) + mean relu(1 + D(x_S));',
    'wgan-gp: L_D = mean D(x_S) − mean D(x_T) + λ_gp·mean (‖∇_x̂ D(x̂)‖₂ − 1)², x̂ = ε·x_T + (1−ε)·x_S, ε ~ U(0,1).',
    'WGAN-GP needs second-order gradients; tfjs 4.22 provides them for conv/matMul/relu, but not through tf.leakyRelu (its gradient',
    'uses `Greater`, which has none), so D builds LeakyReLU from two ReLUs. Prefer spectralNorm with hinge; with wgan-gp, Gulrajani',
    'et al. advise no normalisation inside D besides the penalty.',
    'Sources: Goodfellow et al. 2014; Gulrajani et al., "Improved Training of Wasserstein GANs", 2017; Miyato et al., "Spectral',
    'Normalization for GANs", ICLR 2018; Liu et al., "Structured Knowledge Distillation for Semantic Segmentation", CVPR 2019.',
    '',
    'Region of interest: x_S and x_T are zeroed outside the batch\'s `roi` (in L_G here, and by the stage for L_D).',
    'Diagnostics: each discriminator update logs `<term>/accuracy` = ½·(share of teacher maps with D > 0 + share of student maps',
    'with D < 0), 0.5 = chance, and the mean scores `<term>/scoreTeacher`, `<term>/scoreStudent`, from that update\'s own forward.',
    'A hinge loss stuck at 2.00 with accuracy 0.5 means D(x_T) ≈ D(x_S) inside the margin: nothing is transferred. With spectral',
    'normalisation every layer has gain ≤ 1 (typically ~0.3 for random inputs, ~0.04 for the 3×3 → 1 score conv), so scores start',
    'at |D| ≈ 0.03 and D must learn before the margin is reached; at lr 1e-4 (the stage\'s former default) a quickstart-sized run',
    'never got there. `stage/distill` now defaults its `adversaryOptimizer` to Adam lr 2e-3, β1 0.5.',
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      objective: { type: 'string', enum: ['hinge', 'wgan-gp'], default: 'hinge', description: 'GAN objective for the discriminator (the generator loss is −mean D(fake) for both).' },
      gradientPenalty: { type: 'number', minimum: 0, default: 10, description: 'λ_gp, weight of the WGAN-GP gradient penalty (wgan-gp only).' },
      withImage: { type: 'boolean', default: false, description: 'Concatenate the input image to the probability maps the discriminator sees.' },
      widths: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 6, default: [16, 32, 64], description: 'Channels of the strided conv layers (each halves the resolution).' },
      spectralNorm: { type: 'boolean', default: true, description: 'Spectral normalisation of every discriminator conv (one power iteration per update).' },
      updateRatio: { type: 'number', exclusiveMinimum: 0, maximum: 10, default: 1, description: 'Discriminator updates per student step (>= 1), or every k-th step when < 1 (0.5 → every 2nd).' },
    },
  },
  rules: (o) => {
    const problems = [];
    if (o.updateRatio > 1 && !Number.isInteger(o.updateRatio)) problems.push({ pointer: '/updateRatio', message: `updateRatio ${o.updateRatio} > 1 must be a whole number of updates per step`, expected: 'integer >= 1, or 1/k' });
    if (o.updateRatio < 1 && !Number.isInteger(Math.round(1e6 / o.updateRatio) / 1e6)) problems.push({ pointer: '/updateRatio', message: `updateRatio ${o.updateRatio} < 1 must be 1/k (one update every k steps)`, expected: '1/k, e.g. 0.5 or 0.25' });
    if (o.objective === 'wgan-gp' && o.gradientPenalty === 0) problems.push({ pointer: '/gradientPenalty', message: 'wgan-gp with gradientPenalty 0 is an unconstrained critic and diverges', expected: 'number > 0 (10 is usual)' });
    return problems;
  },
  create: (options, ctx: ComponentContext) => new AdversarialLoss(options, componentRng(ctx)),
});
