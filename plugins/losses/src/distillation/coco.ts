import * as tf from '@tensorflow/tfjs';
import { defineComponent, type ComponentContext, type LossTerm, type Rng } from '@graphflow/core';
import { l2Normalize } from '../util/normalize';
import { adaptiveAvgPool } from '../util/pooling';
import { componentRng } from '../util/seed';
import { graphEdges, graphVertices } from '../graph-flow/variation-graph';
import { ProjectedTapPairsTerm, projectedTapPairsRules } from './projected-tap-pairs';
import { multiTapSchema, type MultiTapOptions } from './tap-options';

export interface CocoOptions extends MultiTapOptions {
  grid: number;
  lambdaSpatial: number;
  lambdaChannel: number;
}

/** Row-normalised pixel affinity of one layer: [N,g,g,C] → [N,g²,g²], rows = cos(pixel i, every pixel j), then L2-normalised. */
function affinityRows(feature: tf.Tensor4D): tf.Tensor3D {
  const [n, h, w, c] = feature.shape;
  const nodes = l2Normalize(tf.reshape(feature, [n, h * w, c]), 2);
  return l2Normalize(tf.matMul(nodes, nodes, false, true), 2) as tf.Tensor3D;
}

/**
 * Cross-layer correlations of consecutive layers l, l+1 (both pooled to grid×grid):
 * spatial R_l = Â_l·Â_{l+1}ᵀ [N,g²,g²], where Â rows are each pixel's (normalised) affinity profile — how the pixel
 * relationship structure carries over between layers; channel K_l = V_l·V_{l+1}ᵀ [N,C_l,C_{l+1}], cosine of channel maps.
 */
export function crossLayerCorrelations(layers: readonly tf.Tensor4D[], grid: number): { spatial: tf.Tensor3D[]; channel: tf.Tensor3D[] } {
  const pooled = layers.map((f) => adaptiveAvgPool(f, grid, grid));
  const rows = pooled.map(affinityRows);
  const vertices = pooled.map(graphVertices);
  const spatial: tf.Tensor3D[] = [];
  const channel: tf.Tensor3D[] = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    spatial.push(tf.matMul(rows[l]!, rows[l + 1]!, false, true));
    channel.push(graphEdges(vertices[l]!, vertices[l + 1]!));
  }
  return { spatial, channel };
}

export class CocoLoss extends ProjectedTapPairsTerm<CocoOptions> {
  constructor(options: CocoOptions, rng: Rng) {
    super('coco', options, rng);
  }

  protected relationLoss(student: tf.Tensor4D[], teacher: tf.Tensor4D[]): tf.Scalar {
    const s = crossLayerCorrelations(student, this.options.grid);
    const t = crossLayerCorrelations(teacher, this.options.grid);
    const msd = (a: tf.Tensor[], b: tf.Tensor[]) => tf.addN(a.map((x, l) => tf.mean(tf.square(tf.sub(x, b[l]!)))));
    return tf.add(tf.mul(msd(s.spatial, t.spatial), this.options.lambdaSpatial), tf.mul(msd(s.channel, t.channel), this.options.lambdaChannel)) as tf.Scalar;
  }
}

export const cocoComponent = defineComponent<CocoOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'coco',
  description: 'CoCo-style cross-layer correlation distillation: spatial and channel correlations between consecutive layers.',
  docs: [
    '**Formula.** Taps pooled to grid×grid. Spatial: Â_l = row-normalised pixel cosine affinity [N,g²,g²]; R_l = Â_l·Â_{l+1}ᵀ.',
    'Channel: V_l = L2-normalised channel maps [N,C_l,g²]; K_l = V_l·V_{l+1}ᵀ. Student taps go through trainable linear 1×1',
    'projections to the teacher\'s channel counts (K needs matching channel identities).',
    'L = λ_s·Σ_l mean (R^S_l − R^T_l)² + λ_c·Σ_l mean (K^S_l − K^T_l)².',
    'Source idea: Zou et al., "CoCo DistillNet: a Cross-layer Correlation Distillation Network for Pathological Gastric Cancer',
    'Segmentation", BIBM 2021. Its exact criterion is not reproduced here; this is our documented formulation of cross-layer',
    'spatial/channel correlation transfer.',
    '', "Region of interest: not applied (a feature-level term; its correlations pool over whole feature maps, so the batch's `roi` cannot pick pixels).",
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...multiTapSchema(),
      grid: { type: 'integer', minimum: 1, maximum: 32, default: 8, description: 'Common grid (grid×grid) all taps are adaptive-average-pooled to.' },
      lambdaSpatial: { type: 'number', minimum: 0, default: 1, description: 'λ_s, weight of the spatial correlation term.' },
      lambdaChannel: { type: 'number', minimum: 0, default: 1, description: 'λ_c, weight of the channel correlation term.' },
    },
  },
  rules: projectedTapPairsRules,
  create: (options, ctx: ComponentContext) => new CocoLoss(options, componentRng(ctx)),
});
