import type { LayerSummary, SegmentationModel, TapInfo } from '@graphflow/core';

/**
 * Peak memory of one training step, estimated from a network's per-layer output shapes before anything runs.
 *
 * Calibrated on the wasm backend (tfjs 4.22, Adam and SGD, U-Net, Mobile U-Net, TransUNet, 16–256 px, batch 1–4;
 * heap size read after each step, which is the peak because the wasm heap never shrinks):
 * - activation phase: forward outputs kept for backprop plus the backward pass's transients (batch-norm
 *   intermediates, conv filter-gradient patches) came to 4.1–6.1 × the summed layer outputs (U-Net 4.1–5.7,
 *   Mobile U-Net 5.0–6.1): ACTIVATION_FACTOR = 6;
 * - optimizer phase: `apply` runs every parameter's update in one tidy, so all update temporaries live at once:
 *   Adam 16.9–17.8 ×, SGD+momentum 8.1–9.5 × the parameter bytes, including the weights and slots: 6 + 6 × slots;
 * - the two phases do not overlap (activations are freed before the update), so the peak is the larger one;
 * - self-attention keeps heads × T² score-sized tensors (scores, softmax, their gradients) that are no layer's output:
 *   TransUNet (base 64, 128², T = 256 tokens, D = 256) needed 1.4–1.7 × the conv-only estimate with 6–12 layers;
 *   ATTENTION_FACTOR = 18 score maps per attention layer brings it to 0.96–1.0 (heads × T² per map, as each attention
 *   layer reports in its layer summary).
 * - teacher inference in inference mode peaked at 0.23–0.43 × its summed layer outputs: TEACHER_FACTOR = 0.5.
 * Measured heap / estimate: 0.89–1.05 (see docs/backends.md).
 */
export const ACTIVATION_FACTOR = 6;
export const ATTENTION_FACTOR = 18;
export const TEACHER_FACTOR = 0.5;
const BYTES = 4;

/** A network's parameters and per-layer output shapes for one image (see SegmentationModel.layerSummary). */
export interface LayerShapes {
  params: number;
  layers: readonly Pick<LayerSummary, 'outputShape' | 'attentionScores'>[];
}

/** Per-layer output shapes when the network offers its layer summary (LayersSegmentationModel does); undefined otherwise. */
export function layerShapes(model: SegmentationModel, height: number, width: number): LayerShapes | undefined {
  if (typeof model.layerSummary !== 'function') return undefined;
  return { params: model.summary(height, width).params, layers: model.layerSummary(height, width) };
}

/** Elements of every layer output for one image (shapes are [1, …]). */
export function activationElements(shapes: LayerShapes): number {
  return shapes.layers.reduce((sum, l) => sum + l.outputShape.reduce((a, b) => a * b, 1), 0);
}

/** heads × T² of every self-attention layer for one image, as the layers report them (LayerSummary.attentionScores). */
export function attentionScoreElements(shapes: LayerShapes): number {
  return shapes.layers.reduce((sum, l) => sum + (l.attentionScores ?? 0), 0);
}

/** A tap's output shape for one image at an input size: [1, ⌈H/stride⌉, ⌈W/stride⌉, channels]. */
export function tapShape(tap: TapInfo, height: number, width: number): [number, number, number, number] {
  return [1, Math.ceil(height / tap.stride), Math.ceil(width / tap.stride), tap.channels];
}

function tapElements(taps: readonly TapInfo[], height: number, width: number): number {
  return taps.reduce((sum, t) => sum + tapShape(t, height, width).reduce((a, b) => a * b, 1), 0);
}

export interface TrainingMemoryInput {
  /** Per-layer shapes of the trained network for one image. */
  shapes: LayerShapes;
  /** Parameters updated by the optimizer (network + loss-owned translators). */
  trainedParams: number;
  /** Optimizer state tensors per parameter (Adam 2, SGD with momentum 1, plain SGD 0). */
  optimizerSlots: number;
  batchSize: number;
  inputSize: readonly [number, number];
  channels: number;
  numClasses: number;
  /** Bytes of tensors already alive when the stage starts (weights of every model built so far). */
  residentBytes: number;
  /** A frozen network run in inference mode on the same batch before the trained one (distillation). */
  teacher?: { shapes: LayerShapes; taps: readonly TapInfo[]; numClasses: number };
}

export interface TrainingMemoryEstimate {
  /** Estimated peak bytes of one training step. */
  bytes: number;
  /** Part that does not depend on the batch size. */
  fixedBytes: number;
  /** Added per image in the batch (in the larger phase). */
  perImageBytes: number;
  /** The batch size the estimate is for. */
  batchSize: number;
  /** Largest batch size whose estimate stays within `budget` bytes. */
  largestBatchWithin(budget: number): number;
}

export function estimateTrainingMemory(input: TrainingMemoryInput): TrainingMemoryEstimate {
  const [h, w] = input.inputSize;
  const pixels = h * w;
  // Images, one-hot labels and an augmented copy of both.
  const batchData = 2 * pixels * (input.channels + input.numClasses);
  const teacherKept = input.teacher ? pixels * input.teacher.numClasses + tapElements(input.teacher.taps, h, w) : 0;
  const activationPerImage = BYTES * (ACTIVATION_FACTOR * activationElements(input.shapes) + ATTENTION_FACTOR * attentionScoreElements(input.shapes) + batchData + teacherKept);
  // In inference only one attention layer's scores and softmax exist at a time.
  const teacherAttention = input.teacher ? 2 * Math.max(0, ...input.teacher.shapes.layers.map((l) => attentionScoreElements({ params: 0, layers: [l] }))) : 0;
  const teacherPerImage = input.teacher ? BYTES * (TEACHER_FACTOR * activationElements(input.teacher.shapes) + teacherAttention + batchData) : 0;
  const paramBytes = BYTES * input.trainedParams;
  const gradients = paramBytes;
  const optimizerPhase = (6 + 6 * input.optimizerSlots) * paramBytes;

  const peakFor = (batch: number): number =>
    input.residentBytes + Math.max(optimizerPhase, gradients + batch * activationPerImage, batch * teacherPerImage);
  const perImageBytes = Math.max(activationPerImage, teacherPerImage);
  const fixedBytes = peakFor(0);
  return {
    bytes: peakFor(input.batchSize),
    fixedBytes,
    perImageBytes,
    batchSize: input.batchSize,
    largestBatchWithin(budget: number): number {
      let batch = Math.max(0, Math.floor((budget - input.residentBytes - gradients) / perImageBytes));
      while (batch > 0 && peakFor(batch) > budget) batch--;
      return batch;
    },
  };
}
