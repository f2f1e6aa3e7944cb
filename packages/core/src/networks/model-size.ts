import * as tf from '@tensorflow/tfjs';

import type { LayerSummary } from '../contracts/backbone';

/** Parameter and compute cost of one layer for a concrete input size. */
export interface LayerCost extends LayerSummary {
  className: string;
  outputShape: number[];
}

export interface ModelSize {
  params: number;
  trainableParams: number;
  /** Multiply-accumulates of one forward pass for one image. */
  macs: number;
  /** 2 × MACs. */
  flops: number;
  layers: LayerCost[];
}

/** Layers that are not built-in may report their own MACs; custom GraphFlow layers implement this. */
export interface CountsMacs {
  countMacs(inputShapes: number[][], outputShape: number[]): number;
}

function hasCountMacs(layer: unknown): layer is CountsMacs {
  return typeof (layer as Partial<CountsMacs>).countMacs === 'function';
}

/** A self-attention layer reports the score-map elements it keeps (heads × T²), which its output shape does not show. */
export interface CountsAttentionScores {
  countAttentionScores(outputShape: number[]): number;
}

function hasCountAttentionScores(layer: unknown): layer is CountsAttentionScores {
  return typeof (layer as Partial<CountsAttentionScores>).countAttentionScores === 'function';
}

type Shape = (number | null)[];

function product(values: number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

function weightCount(weights: readonly tf.LayerVariable[]): number {
  return weights.reduce((sum, w) => sum + product(w.shape as number[]), 0);
}

function concrete(shape: Shape, layer: string): number[] {
  if (shape.some((d) => d === null)) throw new Error(`describeModelSize: layer ${layer} has an unknown output dimension`);
  return shape as number[];
}

/**
 * MACs of the built-in layers that do multiply-accumulates. Normalization, activations, pooling,
 * resizing and element-wise adds are counted as 0, the convention of the papers' tables.
 */
function builtInMacs(layer: tf.layers.Layer, inputs: number[][], output: number[]): number {
  const config = layer.getConfig() as Record<string, unknown>;
  const kernel = (config['kernelSize'] as number[] | undefined) ?? [1, 1];
  const outSpatial = product(output.slice(1, -1));
  const outC = output[output.length - 1]!;
  const input = inputs[0]!;
  const inC = input[input.length - 1]!;
  switch (layer.getClassName()) {
    case 'Conv2D':
      return outSpatial * outC * kernel[0]! * kernel[1]! * inC;
    case 'DepthwiseConv2D':
      return outSpatial * outC * kernel[0]! * kernel[1]!;
    case 'SeparableConv2D': {
      const mult = (config['depthMultiplier'] as number | undefined) ?? 1;
      return outSpatial * inC * mult * (kernel[0]! * kernel[1]! + outC);
    }
    case 'Conv2DTranspose':
      // Every input pixel is scattered through the whole kernel.
      return product(input.slice(1, -1)) * inC * kernel[0]! * kernel[1]! * outC;
    case 'Dense':
      return product(output.slice(1, -1)) * inC * outC;
    default:
      return 0;
  }
}

/**
 * Count parameters and MACs of a functional tfjs-layers model for one [1, height, width, C] image by
 * propagating concrete shapes through the graph (no tensors are computed, so this is instant even for teachers).
 */
export function describeModelSize(model: tf.LayersModel, height: number, width: number): ModelSize {
  const shapes = new Map<number, Shape>();
  const input = model.inputs[0]!;
  shapes.set(input.id, [1, height, width, input.shape[input.shape.length - 1] as number]);
  const layers: LayerCost[] = [];
  let macs = 0;
  for (const layer of model.layers) {
    const node = layer.inboundNodes[0]!;
    if (layer.getClassName() === 'InputLayer') continue;
    const inputShapes = node.inputTensors.map((t) => {
      const s = shapes.get(t.id);
      if (!s) throw new Error(`describeModelSize: layer ${layer.name} is reached before its inputs`);
      return s;
    });
    const out = layer.computeOutputShape(inputShapes.length === 1 ? inputShapes[0]! : inputShapes) as Shape | Shape[];
    const outs = (Array.isArray(out[0]) ? out : [out]) as Shape[];
    node.outputTensors.forEach((t, i) => shapes.set(t.id, outs[i]!));
    const ins = inputShapes.map((s) => concrete(s, layer.name));
    const first = concrete(outs[0]!, layer.name);
    const layerMacs = hasCountMacs(layer) ? layer.countMacs(ins, first) : builtInMacs(layer, ins, first);
    macs += layerMacs;
    const scores = hasCountAttentionScores(layer) ? layer.countAttentionScores(first) : 0;
    layers.push({ name: layer.name, className: layer.getClassName(), outputShape: first, params: weightCount(layer.weights), macs: layerMacs, ...(scores > 0 ? { attentionScores: scores } : {}) });
  }
  return {
    params: weightCount(model.weights),
    trainableParams: weightCount(model.trainableWeights),
    macs,
    flops: 2 * macs,
    layers,
  };
}
