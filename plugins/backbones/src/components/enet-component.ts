import { defineComponent, type SegmentationModel, LayersSegmentationModel } from '@graphflow/core';
import { buildENet, type ENetOptions } from '../networks/enet';
import { commonBackboneProperties, objectSchema } from './common-schema';

export const enetComponent = defineComponent<ENetOptions, SegmentationModel>({
  kind: 'backbone',
  name: 'enet',
  description: 'Compact student: ENet (initial block, regular/dilated/asymmetric/down-sampling bottlenecks, PReLU).',
  docs: [
    'ENet (Paszke et al. 2016) following its Table 1: initial block (3×3 stride-2 conv ∥ 2×2 max-pool, concat),',
    'stage 1 (down-sampling + 4 bottlenecks, dropout 0.01), stages 2–3 (regular, dilated 2/4/8/16, asymmetric 5×1+1×5),',
    'decoder stages 4–5 with up-sampling bottlenecks and a 2×2 transposed full convolution.',
    'Substitute: max-unpooling (not in tfjs) is replaced by 1×1 conv + bilinear ×2 resize in the up-sampling main branch.',
    '',
    'Shapes: images [N,H,W,inChannels] → logits [N,H,W,numClasses]; H and W multiples of 8.',
    'Taps: enc1 (/2), enc2 (/4), enc3 (/8), bottleneck (/8), dec1 (/4), dec2 (/2). Built-in tfjs layers only.',
  ].join('\n'),
  schema: objectSchema({
    ...commonBackboneProperties,
    widthMultiplier: { type: 'number', exclusiveMinimum: 0, maximum: 4, default: 1, description: "Scales ENet's 16/64/128 channels (1 = the paper's network)." },
    dropoutStage1: { type: 'number', minimum: 0, maximum: 0.9, default: 0.01, description: 'Spatial dropout of stage-1 bottlenecks (paper: 0.01).' },
    dropout: { type: 'number', minimum: 0, maximum: 0.9, default: 0.1, description: 'Spatial dropout of the later bottlenecks (paper: 0.1).' },
    stage3: { type: 'boolean', default: true, description: 'Include stage 3 (stage 2 repeated without down-sampling), as in the paper.' },
  }),
  create: (options) => new LayersSegmentationModel(buildENet(options)),
});
