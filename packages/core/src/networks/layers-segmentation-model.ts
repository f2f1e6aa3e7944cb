import * as tf from '@tensorflow/tfjs';
import { GraphFlowError } from '../errors/graphflow-error';
import type {
  ForwardOptions,
  ForwardOutput,
  InputSizeRequirement,
  LayerSummary,
  ModelSummary,
  NamedWeight,
  SegmentationModel,
  TapDefaults,
  TapInfo,
} from '../contracts/backbone';
import { inputSizeProblem } from './input-size';
import { describeModelSize, type ModelSize } from './model-size';
import { readLayersArtifacts, saveLayersModel } from './layers-artifacts-io';
import type { NetworkGraph } from './network-graph';

/** What `save` stores in model.json's userDefinedMetadata so a loader can check it got the right network. */
export interface SavedNetworkMetadata {
  architecture: string;
  inChannels: number;
  numClasses: number;
  /** Model outputs in order: `logits` then the tap names. */
  outputs: string[];
  taps: TapInfo[];
  tapDefaults: TapDefaults;
  inputSize: InputSizeRequirement;
}

/**
 * A SegmentationModel backed by one tfjs-layers functional model whose outputs are [logits, ...taps].
 * `model.apply(x, {training})` makes the mode explicit: batch norm uses batch statistics and updates its
 * moving averages, and dropout is active, only when training is true.
 */
export class LayersSegmentationModel implements SegmentationModel {
  readonly architecture: string;
  readonly inChannels: number;
  readonly numClasses: number;
  readonly taps: readonly TapInfo[];
  readonly tapDefaults: TapDefaults;
  readonly inputSizeRequirement: InputSizeRequirement;
  readonly model: tf.LayersModel;
  private readonly portableClassNames: Readonly<Record<string, string>>;

  constructor(graph: NetworkGraph) {
    const seen = new Set<number>([graph.logits.id]);
    for (const t of graph.taps) {
      // tfjs returns null for a tensor listed twice among a model's outputs.
      if (seen.has(t.tensor.id)) throw new GraphFlowError('GF_INTERNAL', `${graph.architecture}: tap ${t.info.name} repeats another output`);
      seen.add(t.tensor.id);
    }
    this.architecture = graph.architecture;
    this.inChannels = graph.input.shape[3] as number;
    this.numClasses = graph.logits.shape[3] as number;
    this.taps = graph.taps.map((t) => ({ ...t.info }));
    this.tapDefaults = graph.tapDefaults;
    this.inputSizeRequirement = graph.inputSize;
    this.portableClassNames = graph.portableClassNames ?? {};
    this.model = tf.model({ inputs: graph.input, outputs: [graph.logits, ...graph.taps.map((t) => t.tensor)], name: graph.architecture.replace(/\W/g, '_') });
  }

  checkInputSize(height: number, width: number): string | null {
    return inputSizeProblem(this.architecture, this.inputSizeRequirement, height, width);
  }

  private assertInput(images: tf.Tensor): void {
    const [, h, w, c] = images.shape;
    if (images.rank !== 4 || c !== this.inChannels) {
      throw new GraphFlowError('GF_DATA_INVALID', `${this.architecture} expects images [N,H,W,${this.inChannels}] (rank-4 NHWC) but got [${images.shape.join(',')}]`);
    }
    const problem = this.checkInputSize(h!, w!);
    if (problem) throw new GraphFlowError('GF_DATA_INVALID', problem);
  }

  private tapIndices(requested: readonly string[] | undefined): number[] {
    if (requested === undefined) return this.taps.map((_, i) => i);
    return requested.map((name) => {
      const i = this.taps.findIndex((t) => t.name === name);
      if (i < 0) {
        throw new GraphFlowError('GF_OPTIONS_INVALID', `${this.architecture} has no tap "${name}"; its taps are ${this.taps.map((t) => t.name).join(', ')}`);
      }
      return i;
    });
  }

  forward(images: tf.Tensor4D, options: ForwardOptions): ForwardOutput {
    this.assertInput(images);
    const wanted = this.tapIndices(options.taps);
    return tf.tidy(() => {
      const outputs = this.model.apply(images, { training: options.training }) as tf.Tensor4D[];
      const taps: Record<string, tf.Tensor4D> = {};
      for (const i of wanted) taps[this.taps[i]!.name] = outputs[i + 1]!;
      return { logits: outputs[0]!, taps };
    });
  }

  trainableVariables(): tf.Variable[] {
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  weights(): NamedWeight[] {
    return this.model.weights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable, trainable: w.trainable }));
  }

  /** Per-layer parameter and MAC breakdown; throws GF_DATA_INVALID for an unusable size. */
  size(height: number, width: number): ModelSize {
    const problem = this.checkInputSize(height, width);
    if (problem) throw new GraphFlowError('GF_DATA_INVALID', problem);
    return describeModelSize(this.model, height, width);
  }

  summary(height: number, width: number): ModelSummary {
    const s = this.size(height, width);
    return {
      architecture: this.architecture,
      inputShape: [height, width, this.inChannels],
      params: s.params,
      trainableParams: s.trainableParams,
      macs: s.macs,
      flops: s.flops,
    };
  }

  layerSummary(height: number, width: number): readonly LayerSummary[] {
    return this.size(height, width).layers;
  }

  metadata(): SavedNetworkMetadata {
    return {
      architecture: this.architecture,
      inChannels: this.inChannels,
      numClasses: this.numClasses,
      outputs: ['logits', ...this.taps.map((t) => t.name)],
      taps: this.taps.map((t) => ({ ...t })),
      tapDefaults: this.tapDefaults,
      inputSize: this.inputSizeRequirement,
    };
  }

  async save(dir: string): Promise<void> {
    await saveLayersModel(this.model, dir, { graphflow: this.metadata() }, this.portableClassNames);
  }

  async load(dir: string): Promise<void> {
    const { json, artifacts } = await readLayersArtifacts(dir);
    const meta = (json.userDefinedMetadata?.['graphflow'] ?? {}) as Partial<SavedNetworkMetadata>;
    if (meta.architecture !== undefined && meta.architecture !== this.architecture) {
      throw new GraphFlowError('GF_CHECKPOINT_INVALID', `checkpoint holds ${meta.architecture}, not ${this.architecture}`, { file: dir, pointer: '/userDefinedMetadata/graphflow/architecture' });
    }
    const specs = artifacts.weightSpecs ?? [];
    const expected = new Map(this.model.weights.map((w) => [w.originalName, w.shape.join('x')]));
    const problems: string[] = [];
    for (const s of specs) {
      const shape = expected.get(s.name);
      if (shape === undefined) problems.push(`unexpected weight ${s.name}`);
      else if (shape !== s.shape.join('x')) problems.push(`${s.name} is ${s.shape.join('x')}, expected ${shape}`);
      expected.delete(s.name);
    }
    for (const name of expected.keys()) problems.push(`missing weight ${name}`);
    if (problems.length > 0) {
      throw new GraphFlowError('GF_CHECKPOINT_INVALID', `weights do not fit ${this.architecture} with these options: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`, { file: dir });
    }
    const tensors = tf.io.decodeWeights(artifacts.weightData!, specs);
    try {
      this.model.loadWeights(tensors, true);
    } finally {
      tf.dispose(Object.values(tensors));
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
