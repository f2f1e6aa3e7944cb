import * as tf from '@tensorflow/tfjs';
import type { SegmentationModel } from '@graphflow/core';
import type { ImageArray, InferenceHealth, InferenceProfile } from './image-array';
import { paddedSize } from './padded-size';

/**
 * One forward pass for a group of equally sized images, zero-padded (bottom/right) to the nearest size the network
 * accepts and cropped back: class indices per image, or softmax probabilities [H·W·K] with `probabilities`.
 * Argmax of the logits equals argmax of the softmax, so class maps skip the softmax.
 */
export function wholeImageInference(model: SegmentationModel, images: readonly ImageArray[], output: 'classes', profile?: InferenceProfile, health?: InferenceHealth): Uint8Array[];
export function wholeImageInference(model: SegmentationModel, images: readonly ImageArray[], output: 'probabilities', profile?: InferenceProfile, health?: InferenceHealth): Float32Array[];
export function wholeImageInference(
  model: SegmentationModel,
  images: readonly ImageArray[],
  output: 'classes' | 'probabilities',
  profile?: InferenceProfile,
  health?: InferenceHealth,
): Uint8Array[] | Float32Array[] {
  if (images.length === 0) return [];
  const { height: h, width: w, channels: c } = images[0]!;
  const [ph, pw] = paddedSize(model, h, w);
  const flat = new Float32Array(images.length * h * w * c);
  images.forEach((s, i) => flat.set(s.data, i * h * w * c));
  const t0 = performance.now();
  const values = tf.tidy(() => {
    let x: tf.Tensor4D = tf.tensor4d(flat, [images.length, h, w, c]);
    if (ph !== h || pw !== w) x = tf.pad(x, [[0, 0], [0, ph - h], [0, pw - w], [0, 0]]);
    let { logits } = model.forward(x, { training: false, taps: [] });
    if (ph !== h || pw !== w) logits = tf.slice(logits, [0, 0, 0, 0], [images.length, h, w, model.numClasses]);
    if (health) {
      // Σ logits·0 per image is 0 unless a logit is NaN/±Infinity (argmax would silently read those as class 0).
      const probe = tf.sum(tf.mul(logits, 0), [1, 2, 3]).dataSync();
      for (const v of probe) if (v !== 0) health.nonFiniteImages++;
    }
    return output === 'classes' ? tf.argMax(logits, 3).dataSync() : tf.softmax(logits).dataSync();
  });
  if (profile) {
    profile.forwardMs += performance.now() - t0;
    profile.forwards++;
  }
  const per = output === 'classes' ? h * w : h * w * model.numClasses;
  return images.map((_, i) => (output === 'classes' ? Uint8Array.from(values.subarray(i * per, (i + 1) * per)) : Float32Array.from(values.subarray(i * per, (i + 1) * per)))) as
    | Uint8Array[]
    | Float32Array[];
}
