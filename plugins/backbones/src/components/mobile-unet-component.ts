import { defineComponent, type SegmentationModel, LayersSegmentationModel } from '@graphflow/core';
import { buildMobileUNet, type MobileUNetOptions } from '../networks/mobile-unet';
import { commonBackboneProperties, normProperty, objectSchema, upsamplingProperty } from './common-schema';

export const mobileUNetComponent = defineComponent<MobileUNetOptions, SegmentationModel>({
  kind: 'backbone',
  name: 'mobile-unet',
  description: 'Compact student: MobileNetV2 inverted-residual encoder with a U-Net decoder.',
  docs: [
    'Encoder: 3×3 stride-2 stem, then MobileNetV2 inverted residuals (1×1 expansion, 3×3 depthwise, linear 1×1',
    'projection, ReLU6, residual when stride 1 and channels match) with the (t,c,n) table of Sandler et al. 2018.',
    'Decoder: ×2 up-sampling, concatenation with the encoder feature of the same stride, inverted residual block;',
    'a final ×2 up-sampling and 1×1 head restore the input resolution.',
    '',
    'Shapes: images [N,H,W,inChannels] → logits [N,H,W,numClasses]; H and W multiples of 2^depth.',
    'Taps: `enc1…enc(D-1)` (stride 2^i), `bottleneck` (stride 2^D), `dec1…dec(D-1)`. Built-in tfjs layers only,',
    'so a saved model loads with plain `tf.loadLayersModel`.',
  ].join('\n'),
  schema: objectSchema({
    ...commonBackboneProperties,
    widthMultiplier: { type: 'number', exclusiveMinimum: 0, maximum: 2, default: 1, description: 'MobileNetV2 width multiplier α applied to every channel count.' },
    depth: { type: 'integer', minimum: 2, maximum: 5, default: 4, description: 'Encoder down-samplings (5 = full MobileNetV2); input sides must be multiples of 2^depth.' },
    decoderExpansion: { type: 'integer', minimum: 1, maximum: 6, default: 2, description: 'Expansion factor t of the decoder inverted residual blocks.' },
    norm: normProperty,
    dropout: { type: 'number', minimum: 0, maximum: 0.9, default: 0, description: 'Spatial dropout rate after the bottleneck (training mode only).' },
    upsampling: upsamplingProperty,
  }),
  create: (options) => new LayersSegmentationModel(buildMobileUNet(options)),
});
