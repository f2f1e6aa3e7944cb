import * as tf from '@tensorflow/tfjs';
import { defineComponent, type ComponentContext, type LossBindContext, type LossInputs, type LossRequirements, type LossTerm, type Rng } from '@graphflow/core';
import { ChannelProjection, disposeAll } from '../modules/channel-projection';
import { tapOf } from '../util/base-term';
import { adaptiveAvgPool } from '../util/pooling';
import { componentRng } from '../util/seed';
import { stopGradient } from '../util/stop-gradient';
import { requireTeacher } from '../util/taps';
import { multiTapRules, multiTapSchema, resolveTapPairs, type MultiTapOptions } from './tap-options';

/**
 * FSP matrix of two layers pooled to the same h×w: G = F_aᵀ·F_b / (h·w).
 * [N,h,w,Ca], [N,h,w,Cb] → [N,Ca,Cb].
 */
export function fspMatrix(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, h, w] = a.shape;
    const fa = tf.reshape(a, [n, h * w, a.shape[3]]);
    const fb = tf.reshape(b, [n, h * w, b.shape[3]]);
    return tf.div(tf.matMul(fa, fb, true, false), h * w) as tf.Tensor3D;
  });
}

/** Each consecutive pair pooled to the smaller grid of the pair; then mean squared difference of FSP matrices. */
function fspMatrices(layers: readonly tf.Tensor4D[]): tf.Tensor3D[] {
  const out: tf.Tensor3D[] = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const a = layers[l]!;
    const b = layers[l + 1]!;
    const h = Math.min(a.shape[1], b.shape[1]);
    const w = Math.min(a.shape[2], b.shape[2]);
    out.push(fspMatrix(adaptiveAvgPool(a, h, w), adaptiveAvgPool(b, h, w)));
  }
  return out;
}

export class FspLoss implements LossTerm {
  readonly id = 'fsp';
  private studentTaps: string[] = [];
  private teacherTaps: string[] = [];
  private readonly projections: ChannelProjection[] = [];

  constructor(private readonly options: MultiTapOptions, private readonly rng: Rng) {}

  requirements(): LossRequirements {
    return { labels: false, teacher: true, studentTaps: this.studentTaps, teacherTaps: this.teacherTaps };
  }

  bind(ctx: LossBindContext): void {
    const taps = resolveTapPairs(this.options, ctx.student, requireTeacher(ctx.teacher, 'fsp'), 2, 'fsp');
    disposeAll(this.projections);
    taps.student.forEach((s, i) => this.projections.push(new ChannelProjection(`projection${i}.${s.name}`, s.channels, taps.teacher[i]!.channels, this.rng)));
    this.teacherTaps = taps.teacher.map((t) => t.name);
    this.studentTaps = taps.student.map((t) => t.name);
  }

  compute(inputs: LossInputs): tf.Scalar {
    const teacher = inputs.teacher!;
    return tf.tidy(() => {
      const s = fspMatrices(this.studentTaps.map((n, i) => this.projections[i]!.apply(tapOf(inputs.student.taps, n, 'student', 'fsp'))));
      const t = fspMatrices(this.teacherTaps.map((n) => stopGradient(tapOf(teacher.taps, n, 'teacher', 'fsp'))));
      return tf.addN(s.map((g, l) => tf.mean(tf.square(tf.sub(g, t[l]!))))) as tf.Scalar;
    });
  }

  trainableVariables(): tf.Variable[] {
    return this.projections.flatMap((p) => p.variables());
  }

  weights(): { name: string; variable: tf.Variable }[] {
    return this.projections.flatMap((p) => p.named());
  }

  dispose(): void {
    disposeAll(this.projections);
  }
}

export const fspComponent = defineComponent<MultiTapOptions, LossTerm>({
  kind: 'loss',
  name: 'fsp',
  description: 'Flow of solution procedure: match Gram matrices between consecutive layers (Yim et al., CVPR 2017).',
  docs: [
    '**Formula.** For consecutive taps a, b of one network, both pooled to the smaller grid h×w: G(a,b) = F_aᵀF_b/(h·w) [N,C_a,C_b].',
    'L = Σ_l mean (G_S(l,l+1) − G_T(l,l+1))². When a student tap has a different channel count from its teacher tap, a trainable',
    'linear 1×1 projection (the term\'s variables) maps it to the teacher\'s count first, as FSP needs equal matrix shapes.',
    'Source: Yim, Joo, Bae, Kim, "A Gift from Knowledge Distillation: Fast Optimization, Network Minimization and Transfer Learning", CVPR 2017.',
  ].join('\n'),
  schema: { type: 'object', additionalProperties: false, properties: multiTapSchema('up to 3 taps spread over tapDefaults.ordered') },
  rules: (o) => multiTapRules(o, 2),
  create: (options, ctx: ComponentContext) => new FspLoss(options, componentRng(ctx)),
});
