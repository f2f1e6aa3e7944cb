import { defineComponent, type LossTerm } from '@graphflow/core';
import { KdLoss, type KdOptions } from './kd';
import { temperatureRule } from '../util/temperature-rule';

/**
 * Structured KD, pixel-wise part (Liu et al., "Structured Knowledge Distillation for Semantic Segmentation",
 * CVPR 2019): per-pixel KL between teacher and student class distributions at τ = 1, averaged over pixels.
 * It is logit KD without softening by default; τ is kept as an option for the paper's ablations.
 */
export const skdPixelComponent = defineComponent<KdOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'skd-pixel',
  description: 'Structured KD, pixel-wise: per-pixel KL(p_T ‖ p_S) at temperature 1 (Liu et al., CVPR 2019).',
  docs: [
    '**Formula.** L = τ²·(1/(N·H·W)) Σ_i KL(softmax(z_T,i/τ) ‖ softmax(z_S,i/τ)), τ = 1 by default; with a region of interest',
    '(the batch\'s `roi`) the mean runs over counted pixels only.',
    'Source: Liu, Chen, Liu, Qin, Luo, Wang, "Structured Knowledge Distillation for Semantic Segmentation", CVPR 2019.',
    '',
    'Inputs: student and teacher logits [N,H,W,K]. Needs a teacher.',
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { temperature: { type: 'number', default: 1, description: 'Temperature τ (> 0); the paper uses 1.' } },
  },
  rules: (o) => temperatureRule(o.temperature),
  create: (options) => new KdLoss(options, 'skd-pixel'),
});

