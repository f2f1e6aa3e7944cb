import { definePlugin } from '@graphflow/core';
import { unetComponent } from './components/unet-component';
import { transUNetComponent } from './components/transunet-component';
import { mobileUNetComponent } from './components/mobile-unet-component';
import { enetComponent } from './components/enet-component';
import { erfnetComponent } from './components/erfnet-component';

// The network building blocks live in @graphflow/core (a third party's backbone uses the same ones); re-exported for existing importers.
export { LayersSegmentationModel, describeModelSize, inputSizeProblem, saveLayersModel, readLayersArtifacts, layersModelDirectory, MODEL_JSON, WEIGHTS_BIN } from '@graphflow/core';
export type { SavedNetworkMetadata, ModelSize, LayerCost, CountsMacs, NetworkGraph, SymbolicTap } from '@graphflow/core';
export { backboneInputSizeRequirement } from './components/input-size-requirements';
export { transUNetRules } from './components/transunet-component';
export { MultiHeadSelfAttention } from './layers/multi-head-self-attention';
export { PositionEmbedding2D } from './layers/position-embedding-2d';
export { buildUNet, type UNetOptions } from './networks/unet';
export { buildTransUNet, transUNetTokenStride, type TransUNetOptions } from './networks/transunet';
export { buildMobileUNet, type MobileUNetOptions } from './networks/mobile-unet';
export { buildENet, type ENetOptions } from './networks/enet';
export { buildERFNet, type ERFNetOptions } from './networks/erfnet';
export { unetComponent, transUNetComponent, mobileUNetComponent, enetComponent, erfnetComponent };

/** The backbones plugin: registers backbone/unet, transunet, mobile-unet, enet and erfnet. */
const plugin = definePlugin({
  name: '@graphflow/backbones',
  version: '0.1.0',
  graphflow: '^0.1.0',
  register(api) {
    api.component(unetComponent);
    api.component(transUNetComponent);
    api.component(mobileUNetComponent);
    api.component(enetComponent);
    api.component(erfnetComponent);
  },
});

export default plugin;
