import * as tf from '@tensorflow/tfjs';
import { defineComponent, type ComponentContext, type LossTerm, type Rng } from '@graphflow/core';
import { adaptiveAvgPool } from '../util/pooling';
import { componentRng } from '../util/seed';
import { ProjectedTapPairsTerm, projectedTapPairsRules } from './projected-tap-pairs';
import { multiTapSchema, type MultiTapOptions } from './tap-options';

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

export class FspLoss extends ProjectedTapPairsTerm<MultiTapOptions> {
  constructor(options: MultiTapOptions, rng: Rng) {
    super('fsp', options, rng);
  }

  protected relationLoss(student: tf.Tensor4D[], teacher: tf.Tensor4D[]): tf.Scalar {
    const s = fspMatrices(student);
    const t = fspMatrices(teacher);
    return tf.addN(s.map((g, l) => tf.mean(tf.square(tf.sub(g, t[l]!))))) as tf.Scalar;
  }
}

export const fspComponent = defineComponent<MultiTapOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'fsp',
  description: 'Flow of solution procedure: match Gram matrices between consecutive layers (Yim et al., CVPR 2017).',
  docs: [
    '**Formula.** For consecutive taps a, b of one network, both pooled to the smaller grid h×w: G(a,b) = F_aᵀF_b/(h·w) [N,C_a,C_b].',
    'L = Σ_l mean (G_S(l,l+1) − G_T(l,l+1))². When a student tap has a different channel count from its teacher tap, a trainable',
    'linear 1×1 projection (the term\'s variables) maps it to the teacher\'s count first, as FSP needs equal matrix shapes.',
    'Source: Yim, Joo, Bae, Kim, "A Gift from Knowledge Distillation: Fast Optimization, Network Minimization and Transfer Learning", CVPR 2017.',
    '', "Region of interest: not applied. The FSP matrix is a spatial mean over whole feature maps, so pixels outside the batch's `roi` contribute.",
  ].join('\n'),
  schema: { type: 'object', additionalProperties: false, properties: multiTapSchema() },
  rules: projectedTapPairsRules,
  create: (options, ctx: ComponentContext) => new FspLoss(options, componentRng(ctx)),
});
