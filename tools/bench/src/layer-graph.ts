import type * as tf from '@tensorflow/tfjs';

/**
 * A tf.layers model's graph as the PyTorch twin (python/layer_graph_twin.py) rebuilds it: the layers in topological
 * order, each with its inbound layers, its input and output channel counts and the part of its config that decides
 * the computation. Channels are exported because a torch module needs them at construction and Keras topology JSON
 * does not carry them. Only the layer classes the shipped backbones use are known; any other class is an error, so
 * the twin can never silently measure a different network.
 */
export interface LayerGraph {
  inputs: string[];
  outputs: string[];
  layers: GraphLayer[];
}

export interface GraphLayer {
  name: string;
  className: string;
  inbound: string[];
  /** Last-axis sizes; null where it is a spatial axis after a Permute (the twin needs channels only where it builds weights). */
  inChannels: (number | null)[];
  outChannels: number | null;
  config: Record<string, unknown>;
}

/** What each known class contributes to the computation (the rest of its config is initialisers and regularisers). */
const COMPUTE_KEYS: Record<string, readonly string[]> = {
  InputLayer: [],
  Conv2D: ['filters', 'kernel_size', 'strides', 'padding', 'dilation_rate', 'use_bias', 'activation'],
  GraphFlowDilatedConv2D: ['filters', 'kernel_size', 'strides', 'padding', 'dilation_rate', 'use_bias', 'activation'],
  DepthwiseConv2D: ['kernel_size', 'strides', 'padding', 'dilation_rate', 'use_bias', 'depth_multiplier', 'activation'],
  Conv2DTranspose: ['filters', 'kernel_size', 'strides', 'padding', 'use_bias', 'activation'],
  BatchNormalization: ['axis', 'momentum', 'epsilon', 'center', 'scale'],
  GraphFlowBatchNormalization: ['axis', 'momentum', 'epsilon', 'center', 'scale'],
  PReLU: ['shared_axes'],
  ReLU: ['max_value'],
  Activation: ['activation'],
  MaxPooling2D: ['pool_size', 'strides', 'padding'],
  Concatenate: ['axis'],
  Add: [],
  Permute: ['dims'],
  ZeroPadding2D: ['padding'],
  Dropout: ['rate', 'noise_shape'],
  SpatialDropout2D: ['rate'],
  UpSampling2D: ['size', 'interpolation'],
};

export const TWIN_LAYER_CLASSES: readonly string[] = Object.keys(COMPUTE_KEYS);

function channelsOf(shape: unknown): number | null {
  const dims = shape as (number | null)[];
  return dims[dims.length - 1] ?? null;
}

/** Exports a channels-last 2-D tf.layers model (one input) for the PyTorch twin; throws on any layer class it does not know. */
export function exportLayerGraph(model: tf.LayersModel): LayerGraph {
  const layers: GraphLayer[] = model.layers.map((layer) => {
    const className = layer.getClassName();
    const keys = COMPUTE_KEYS[className];
    if (!keys) throw new Error(`layer "${layer.name}": class ${className} has no PyTorch twin (known: ${TWIN_LAYER_CLASSES.join(', ')})`);
    const full = layer.getConfig() as Record<string, unknown>;
    if ('dataFormat' in full && full['dataFormat'] !== 'channelsLast') throw new Error(`layer "${layer.name}": only channels_last is exported`);
    // getConfig() is camelCase; the export keeps Keras's snake_case names, as the Python side reads them.
    const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const config = Object.fromEntries(keys.filter((k) => camel(k) in full).map((k) => [k, full[camel(k)]]));
    const node = layer.inboundNodes[0];
    const inbound = node ? node.inboundLayers.map((l) => l.name) : [];
    const inputShapes = className === 'InputLayer' ? [] : [layer.input].flat().map((t) => t.shape);
    return {
      name: layer.name,
      className,
      inbound,
      inChannels: inputShapes.map(channelsOf),
      outChannels: channelsOf(layer.outputShape),
      config,
    };
  });
  return { inputs: model.inputLayers.map((l) => l.name), outputs: model.outputLayers.map((l) => l.name), layers };
}
