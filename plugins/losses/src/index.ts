import { definePlugin } from '@graphflow/core';
import { crossEntropyComponent } from './segmentation/cross-entropy';
import { diceComponent } from './segmentation/dice';
import { diceCeComponent } from './segmentation/dice-ce';
import { kdComponent } from './distillation/kd';
import { skdPixelComponent } from './distillation/skd-pixel';
import { skdPairComponent } from './distillation/skd-pair';
import { attentionTransferComponent } from './distillation/attention-transfer';
import { fspComponent } from './distillation/fsp';
import { factorTransferComponent } from './distillation/factor-transfer';
import { ifvdComponent } from './distillation/ifvd';
import { cocoComponent } from './distillation/coco';
import { vidComponent } from './distillation/vid';
import { emkdComponent } from './distillation/emkd';
import { distComponent } from './distillation/dist';
import { graphFlowComponent } from './graph-flow/graph-flow-loss';
import { adversarialComponent } from './adversarial/adversarial-loss';
import { paraphraserComponent } from './modules/paraphraser';

/** Every component this plugin registers, in `graphflow list` order. */
export const LOSS_COMPONENTS = [
  crossEntropyComponent,
  diceComponent,
  diceCeComponent,
  kdComponent,
  graphFlowComponent,
  adversarialComponent,
  attentionTransferComponent,
  fspComponent,
  factorTransferComponent,
  skdPixelComponent,
  skdPairComponent,
  ifvdComponent,
  cocoComponent,
  vidComponent,
  emkdComponent,
  distComponent,
  paraphraserComponent,
] as const;

export default definePlugin({
  name: '@graphflow/losses',
  version: '0.1.0',
  graphflow: '^0.1.0',
  register(api) {
    for (const component of LOSS_COMPONENTS) api.component(component as Parameters<typeof api.component>[0]);
  },
});

export { composeLoss, readLossRecord, assertFiniteLoss, termNames, type WeightedTerm, type ComposedLoss, type LossRecord } from './composition/compose-loss';
export { crossEntropy, CrossEntropyLoss } from './segmentation/cross-entropy';
export { softDice, DiceLoss } from './segmentation/dice';
export { DiceCeLoss } from './segmentation/dice-ce';
export { pixelKd, KdLoss } from './distillation/kd';
export { GraphFlowLoss, GRAPH_FLOW_DOCS, type GraphFlowOptions } from './graph-flow/graph-flow-loss';
export { graphVertices, graphEdges, graphFlowTerms } from './graph-flow/variation-graph';
export { AdversarialLoss, type AdversarialOptions } from './adversarial/adversarial-loss';
export { Discriminator } from './adversarial/discriminator';
export { AttentionTransferLoss, attentionMap } from './distillation/attention-transfer';
export { FspLoss, fspMatrix } from './distillation/fsp';
export { FactorTransferLoss } from './distillation/factor-transfer';
export { SkdPairLoss, pairwiseAffinity } from './distillation/skd-pair';
export { IfvdLoss, intraClassVariation } from './distillation/ifvd';
export { CocoLoss, crossLayerCorrelations } from './distillation/coco';
export { VidLoss, vidNegativeLogLikelihood } from './distillation/vid';
export { EmkdLoss, importanceMapDistillation, regionContrast } from './distillation/emkd';
export { DistLoss, distLoss, weightedPearson } from './distillation/dist';
export { Paraphraser, type ParaphraserOptions } from './modules/paraphraser';
export { Translator } from './modules/translator';
export { adaptiveAvgPool } from './util/pooling';
export { stopGradient } from './util/stop-gradient';
export { leakyRelu } from './util/conv';
