import type * as tf from '@tensorflow/tfjs';

/**
 * Contract of `backbone/*` components (and of any trainable network a stage trains).
 * Layout convention everywhere in GraphFlow: NHWC, float32. Images [N,H,W,C]; logits [N,H,W,K].
 */

/** A named intermediate feature a network exposes for distillation. */
export interface TapInfo {
  /** Stable name, e.g. `enc1`, `bottleneck`, `dec2`. */
  name: string;
  /** Channels of the tap tensor. */
  channels: number;
  /** Down-sampling factor relative to the input (tap is [N, H/stride, W/stride, channels]). */
  stride: number;
  /** Free-text role: 'encoder' | 'bottleneck' | 'decoder' | … */
  role?: string;
}

export interface TapDefaults {
  /** The tap a shallow-layer distillation term should use by default. */
  shallow: string;
  /** The tap a deep-layer distillation term should use by default. */
  deep: string;
  /** Taps ordered shallow → deep, used by cross-layer losses (graph-flow, fsp) when none are given. */
  ordered: string[];
}

/**
 * Which input sizes a network accepts: height and width must each be a multiple of `multiple`
 * and at least `minimum`. Pure data, so a validator can check a dataset's size before building the model.
 */
export interface InputSizeRequirement {
  multiple: number;
  minimum: number;
}

export interface ForwardOptions {
  /** Training mode: batch norm uses batch statistics (and updates moving ones), dropout is active. */
  training: boolean;
  /** Only these taps are returned (all when omitted). Asking for fewer saves memory. */
  taps?: readonly string[];
}

export interface ForwardOutput {
  /** Unnormalized class scores [N,H,W,K] at input resolution. */
  logits: tf.Tensor4D;
  /** Named features [N,h,w,c]; keys are a subset of the network's tap names. */
  taps: Record<string, tf.Tensor4D>;
}

/** One layer of a network's per-layer summary, for one image of the summary's input size. */
export interface LayerSummary {
  name: string;
  /** Output shape for one image, [1, …]. */
  outputShape: readonly number[];
  params: number;
  macs: number;
  /**
   * Elements of the score maps a self-attention layer keeps for backprop (heads × T² for T positions), which are no
   * layer's output; 0 or absent for every other layer. The memory estimate adds them.
   */
  attentionScores?: number;
}

export interface ModelSummary {
  architecture: string;
  inputShape: [number, number, number];
  params: number;
  trainableParams: number;
  /** Multiply-accumulate operations of one forward pass for one image of `inputShape`. */
  macs: number;
  /** FLOPs = 2 × MACs (the convention the paper's tables use). */
  flops: number;
}

export interface SegmentationModel {
  /** Component id, e.g. `backbone/unet`. */
  readonly architecture: string;
  readonly inChannels: number;
  readonly numClasses: number;
  readonly taps: readonly TapInfo[];
  readonly tapDefaults: TapDefaults;
  /** Returns a message explaining valid sizes when [h,w] cannot be processed, or null. */
  checkInputSize(height: number, width: number): string | null;
  /** The rule behind `checkInputSize`, when it is a simple multiple/minimum rule (additive, optional). */
  readonly inputSizeRequirement?: InputSizeRequirement;
  /** Forward pass. Caller owns the returned tensors (call inside tf.tidy or dispose them). */
  forward(images: tf.Tensor4D, options: ForwardOptions): ForwardOutput;
  /** Variables updated by gradient descent. */
  trainableVariables(): tf.Variable[];
  /** Every weight, including non-trainable ones (batch-norm moving statistics), in a stable order with stable names. */
  weights(): NamedWeight[];
  summary(height: number, width: number): ModelSummary;
  /**
   * Every layer's output shape and cost at an input size, computed from shapes alone: how a stage estimates a training
   * step's memory before the first step. A network without it is not estimated (only the runtime guard covers it);
   * LayersSegmentationModel provides it.
   */
  layerSummary?(height: number, width: number): readonly LayerSummary[];
  /** Write weights (and, where possible, a standalone tfjs graph/layers model) into `dir`. */
  save(dir: string): Promise<void>;
  /** Restore weights written by `save` (bit-exact). */
  load(dir: string): Promise<void>;
  dispose(): void;
}

export interface NamedWeight {
  name: string;
  variable: tf.Variable;
  trainable: boolean;
}
