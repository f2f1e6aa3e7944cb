import { defineComponent, type SegmentationModel, LayersSegmentationModel } from '@graphflow/core';
import { buildUNet, type UNetOptions } from '../networks/unet';
import { commonBackboneProperties, normProperty, objectSchema, upsamplingProperty } from './common-schema';

export const unetComponent = defineComponent<UNetOptions, SegmentationModel>({
  kind: 'backbone',
  name: 'unet',
  description: 'U-Net teacher with batch norm, configurable depth/width, transposed-conv or bilinear up-sampling.',
  docs: [
    'U-Net (Ronneberger et al., MICCAI 2015): `depth` levels of (3×3 conv, BN, ReLU)×2 + 2×2 max-pool, a bottleneck,',
    'and a symmetric decoder that up-samples ×2 and concatenates the encoder feature of the same level.',
    '',
    'Shapes: images [N,H,W,inChannels] → logits [N,H,W,numClasses]; H and W must be multiples of 2^depth.',
    'Taps: `enc1…encD` (stride 2^(i-1), baseWidth·2^(i-1) channels), `bottleneck` (stride 2^D), `dec1…decD`.',
    'Defaults: shallow = enc1, deep = bottleneck.',
  ].join('\n'),
  schema: objectSchema({
    ...commonBackboneProperties,
    baseWidth: { type: 'integer', minimum: 1, maximum: 256, default: 32, description: 'Channels of the first encoder level; doubled at each level.' },
    depth: { type: 'integer', minimum: 1, maximum: 6, default: 4, description: 'Number of 2× down-samplings; input sides must be multiples of 2^depth.' },
    norm: normProperty,
    dropout: { type: 'number', minimum: 0, maximum: 0.9, default: 0, description: 'Spatial dropout rate after the bottleneck (active in training mode only).' },
    upsampling: upsamplingProperty,
  }),
  create: (options) => new LayersSegmentationModel(buildUNet(options)),
});
