import { defineComponent, type SegmentationModel, LayersSegmentationModel } from '@graphflow/core';
import { buildERFNet, type ERFNetOptions } from '../networks/erfnet';
import { commonBackboneProperties, objectSchema } from './common-schema';

export const erfnetComponent = defineComponent<ERFNetOptions, SegmentationModel>({
  kind: 'backbone',
  name: 'erfnet',
  description: 'Compact student: ERFNet (down-sampler blocks + factorized non-bottleneck-1D residual blocks).',
  docs: [
    'ERFNet (Romera et al., IEEE T-ITS 2018) following its Table 1: three down-sampler blocks (3×3 stride-2 conv ∥ max-pool),',
    'non-bottleneck-1D blocks (3×1 and 1×3 factorized convolutions, the second pair dilated 2/4/8/16 in the deep stage),',
    'two up-sampler blocks (3×3 stride-2 transposed conv) and a 2×2 transposed output convolution.',
    '',
    'Shapes: images [N,H,W,inChannels] → logits [N,H,W,numClasses]; H and W multiples of 8.',
    'Taps: enc1 (/2), enc2 (/4), bottleneck (/8), dec1 (/4), dec2 (/2). Built-in tfjs layers only.',
  ].join('\n'),
  schema: objectSchema({
    ...commonBackboneProperties,
    widthMultiplier: { type: 'number', exclusiveMinimum: 0, maximum: 4, default: 1, description: "Scales ERFNet's 16/64/128 channels (1 = the paper's network)." },
    dropoutStage1: { type: 'number', minimum: 0, maximum: 0.9, default: 0.03, description: 'Spatial dropout of the 64-channel encoder blocks (paper: 0.03).' },
    dropout: { type: 'number', minimum: 0, maximum: 0.9, default: 0.3, description: 'Spatial dropout of the 128-channel blocks (paper: 0.3).' },
  }),
  create: (options) => new LayersSegmentationModel(buildERFNet(options)),
});
