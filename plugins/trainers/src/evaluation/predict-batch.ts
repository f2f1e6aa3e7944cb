import * as tf from '@tensorflow/tfjs';
import type { Sample, SegmentationModel } from '@graphflow/core';

/**
 * Class-index maps (HW each, row-major) for a group of equally sized samples, from one forward pass in inference
 * mode. Uint8 because class counts in medical segmentation stay far below 256.
 */
export function predictSamples(model: SegmentationModel, samples: readonly Sample[]): Uint8Array[] {
  if (samples.length === 0) return [];
  const { height: h, width: w, channels: c } = samples[0]!;
  const flat = new Float32Array(samples.length * h * w * c);
  samples.forEach((s, i) => flat.set(s.image, i * h * w * c));
  const classes = tf.tidy(() => {
    const images = tf.tensor4d(flat, [samples.length, h, w, c]);
    const { logits } = model.forward(images, { training: false, taps: [] });
    return tf.argMax(logits, 3).dataSync();
  });
  const plane = h * w;
  return samples.map((_, i) => Uint8Array.from(classes.subarray(i * plane, (i + 1) * plane)));
}
