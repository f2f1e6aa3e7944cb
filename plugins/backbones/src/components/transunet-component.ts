import { defineComponent, type OptionRuleViolation, type SegmentationModel, LayersSegmentationModel } from '@graphflow/core';
import { buildTransUNet, transUNetTokenStride, type TransUNetOptions } from '../networks/transunet';
import { commonBackboneProperties, normProperty, objectSchema } from './common-schema';

/** Semantic checks of TransUNet options, run by the manifest validator before anything is built. */
export function transUNetRules(o: TransUNetOptions): OptionRuleViolation[] {
  const problems: OptionRuleViolation[] = [];
  if (o.embedDim % o.heads !== 0) {
    problems.push({
      pointer: '/heads',
      message: `embedDim ${o.embedDim} is not divisible by heads ${o.heads}: each head needs an equal share of the embedding`,
      expected: `a divisor of ${o.embedDim}`,
    });
  }
  const stride = transUNetTokenStride(o);
  if (o.imageSize % stride !== 0) {
    problems.push({
      pointer: '/imageSize',
      message: `imageSize ${o.imageSize} is not a multiple of the token stride 2^convStages·patchSize = ${stride}`,
      expected: `a multiple of ${stride}`,
    });
  }
  return problems;
}

export const transUNetComponent = defineComponent<TransUNetOptions, SegmentationModel>({
  kind: 'backbone',
  name: 'transunet',
  description: 'TransUNet-style hybrid teacher: CNN encoder, transformer on the deepest map, cascaded up-sampler with skips.',
  docs: [
    'TransUNet (Chen et al. 2021), scaled to train on a CPU: a stride-2 conv stem and `convStages` conv stages,',
    'patch embedding (patchSize×patchSize conv) of the deepest map, learned position embeddings (resized bilinearly',
    'for inputs other than imageSize), `layers` pre-norm transformer layers (multi-head self-attention, MLP with GELU,',
    'layer norm), and a cascaded up-sampler: ×2 up-sampling + skip concatenation + (3×3 conv, BN, ReLU)×2 per level.',
    '',
    'Shapes: images [N,H,W,inChannels] → logits [N,H,W,numClasses]; H and W multiples of 2^convStages·patchSize.',
    'Taps: enc1…encS (stride 2^i), bottleneck (transformer output, embedDim channels), dec1…decS.',
    'Uses two custom layers (GraphFlowMultiHeadSelfAttention, GraphFlowPositionEmbedding2D): loading a saved',
    'model with tf.loadLayersModel needs `@graphflow/backbones` imported first.',
  ].join('\n'),
  schema: objectSchema({
    ...commonBackboneProperties,
    baseWidth: { type: 'integer', minimum: 4, maximum: 256, default: 32, description: 'Channels of the stem and first conv stage; doubled per stage.' },
    convStages: { type: 'integer', minimum: 1, maximum: 5, default: 3, description: 'Convolutional stages (each halves the resolution) before the transformer.' },
    embedDim: { type: 'integer', minimum: 8, maximum: 1024, default: 256, description: 'Transformer embedding size D (must be divisible by heads).' },
    heads: { type: 'integer', minimum: 1, maximum: 64, default: 8, description: 'Attention heads; each attends with D/heads channels.' },
    layers: { type: 'integer', minimum: 1, maximum: 24, default: 6, description: 'Number of transformer layers.' },
    patchSize: { type: 'integer', minimum: 1, maximum: 8, default: 1, description: 'Patch size on the deepest conv map (TransUNet uses 1 on its CNN features).' },
    mlpRatio: { type: 'number', minimum: 0.5, maximum: 8, default: 4, description: 'MLP hidden width as a multiple of embedDim.' },
    imageSize: { type: 'integer', minimum: 8, maximum: 4096, default: 128, description: 'Training image side; sets the grid the position embedding is learned on.' },
    dropout: { type: 'number', minimum: 0, maximum: 0.9, default: 0.1, description: 'Dropout on embeddings, attention output and MLP (training mode only).' },
    norm: normProperty,
    upsampling: { type: 'string', enum: ['transpose', 'bilinear'], default: 'bilinear', description: 'Decoder ×2 up-sampling (TransUNet uses bilinear).' },
  }),
  rules: transUNetRules,
  create: (options) => new LayersSegmentationModel(buildTransUNet(options)),
});
