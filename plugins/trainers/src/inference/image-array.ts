/** An image as inference takes it: HWC float32, row-major (the layout of `Sample.image`). */
export interface ImageArray {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

/** Milliseconds spent per part of inference, summed over calls (for profiling evaluation). */
export interface InferenceProfile {
  /** Building input tensors, forward passes and softmax, until the probabilities are back in JS. */
  forwardMs: number;
  /** Weighting and summing tile probabilities, and normalizing. */
  accumulateMs: number;
  argmaxMs: number;
  forwards: number;
}

export function newProfile(): InferenceProfile {
  return { forwardMs: 0, accumulateMs: 0, argmaxMs: 0, forwards: 0 };
}

/** Filled by inference when passed: images on which the network produced NaN/±Infinity logits (broken weights). */
export interface InferenceHealth {
  nonFiniteImages: number;
}
