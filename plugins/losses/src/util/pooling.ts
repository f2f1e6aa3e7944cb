import * as tf from '@tensorflow/tfjs';

/** Row-stochastic matrix [out, in] whose row i averages input cells [floor(i·in/out), ceil((i+1)·in/out)). */
function poolingMatrix(input: number, output: number): tf.Tensor2D {
  const values = new Float32Array(output * input);
  for (let i = 0; i < output; i++) {
    const start = Math.floor((i * input) / output);
    const end = Math.max(start + 1, Math.ceil(((i + 1) * input) / output));
    for (let j = start; j < end; j++) values[i * input + j] = 1 / (end - start);
  }
  return tf.tensor2d(values, [output, input]);
}

/**
 * Adaptive average pooling (PyTorch's AdaptiveAvgPool2d windows) of [N,h,w,C] to [N,gh,gw,C], for any h,w,
 * including grids larger than the input (then cells repeat). Written as two matrix products so it is
 * differentiable on every backend and works for sizes that do not divide evenly.
 */
export function adaptiveAvgPool(x: tf.Tensor4D, gh: number, gw: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (h === gh && w === gw) return x;
  return tf.tidy(() => {
    const ph = poolingMatrix(h, gh);
    const pw = poolingMatrix(w, gw);
    // [h, N·w·C] → pool rows → [gh, N, w, C]
    const rows = tf.matMul(ph, tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c])).reshape([gh, n, w, c]);
    // [w, N·gh·C] → pool columns → [gw, N, gh, C]
    const cols = tf.matMul(pw, tf.reshape(tf.transpose(rows, [2, 1, 0, 3]), [w, n * gh * c])).reshape([gw, n, gh, c]);
    return tf.transpose(cols, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** Pools two features to the smaller of their spatial sizes (per axis), so maps from different strides compare. */
export function poolToCommon(a: tf.Tensor4D, b: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const gh = Math.min(a.shape[1], b.shape[1]);
  const gw = Math.min(a.shape[2], b.shape[2]);
  return [adaptiveAvgPool(a, gh, gw), adaptiveAvgPool(b, gh, gw)];
}

/** Nearest-neighbour resize of an int label map [N,H,W] to [N,h,w] (labels must stay integral). */
export function resizeLabels(labels: tf.Tensor3D, h: number, w: number): tf.Tensor3D {
  const [, H, W] = labels.shape;
  if (H === h && W === w) return labels;
  return tf.tidy(() => {
    const asImage = tf.expandDims(tf.cast(labels, 'float32'), 3) as tf.Tensor4D;
    return tf.cast(tf.squeeze(tf.image.resizeNearestNeighbor(asImage, [h, w]), [3]), 'int32') as tf.Tensor3D;
  });
}
