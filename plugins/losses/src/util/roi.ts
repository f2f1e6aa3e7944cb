import * as tf from '@tensorflow/tfjs';

/**
 * Mean of a per-pixel value over the pixels an ROI counts: Σ_i roi_i·x_i / Σ_i roi_i, or the plain mean when
 * there is no ROI. `perPixel` [N,H,W] and `roi` [N,H,W] must match. A batch with no counted pixel gives 0 (not NaN):
 * it has nothing to learn from, and its gradient is 0.
 */
export function roiMean(perPixel: tf.Tensor3D, roi: tf.Tensor3D | undefined): tf.Scalar {
  if (!roi) return tf.mean(perPixel) as tf.Scalar;
  checkRoiShape(perPixel.shape, roi, 'roiMean');
  return tf.tidy(() => tf.div(tf.sum(tf.mul(perPixel, roi)), tf.maximum(tf.sum(roi), 1e-12)) as tf.Scalar);
}

/** [N,H,W,K] probabilities (or one-hot maps) with every pixel outside the ROI set to 0. */
export function maskMaps(maps: tf.Tensor4D, roi: tf.Tensor3D | undefined): tf.Tensor4D {
  if (!roi) return maps;
  checkRoiShape(maps.shape.slice(0, 3), roi, 'maskMaps');
  return tf.tidy(() => tf.mul(maps, tf.expandDims(roi, 3)) as tf.Tensor4D);
}

function checkRoiShape(shape: readonly number[], roi: tf.Tensor3D, where: string): void {
  if (roi.shape.length !== 3 || roi.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${where}: roi has shape [${roi.shape.join(',')}] but the per-pixel values are [${shape.slice(0, 3).join(',')}]`);
  }
}
