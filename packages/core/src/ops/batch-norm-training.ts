import * as tf from '@tensorflow/tfjs';

/**
 * Optional fused kernels a backend may register for batch normalisation in training mode (native does):
 *   BATCH_NORM_TRAINING_KERNEL      inputs {x [..., C], gamma [C], beta [C]}, attrs {epsilon}
 *                                   → [y [..., C], mean [C], variance [C]] (biased variance, as tf.moments)
 *   BATCH_NORM_TRAINING_GRAD_KERNEL inputs {dy, x, gamma, mean, variance}, attrs {epsilon}
 *                                   → [dx [..., C], dgamma [C], dbeta [C]]
 */
export const BATCH_NORM_TRAINING_KERNEL = 'GraphFlowBatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD_KERNEL = 'GraphFlowBatchNormTrainingGrad';

export interface BatchNormTrainingAttrs {
  epsilon: number;
}

export interface BatchNormTrainingResult {
  /** The normalised, scaled and shifted batch, shape of x. */
  y: tf.Tensor;
  /**
   * Per-channel statistics of this batch, for the running averages only: the fused path passes no gradient back
   * through them (the composite one does), so a loss must not depend on them.
   */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * The backward pass as ops: used where a backend registers the forward kernel but not the gradient one, and the
 * reference the fused gradient kernels are checked against. Returns [dx, dgamma, dbeta].
 *   x̂ = (x − mean)/√(var + ε);  dgamma = Σ dy·x̂;  dbeta = Σ dy;  dx = gamma/√(var + ε) · (dy − dbeta/M − x̂·dgamma/M)
 */
export function batchNormTrainingGrad(dy: tf.Tensor, x: tf.Tensor, gamma: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, epsilon: number): tf.Tensor[] {
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const count = x.size / (x.shape[x.shape.length - 1] ?? 1);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const xHat = tf.mul(tf.sub(x, mean), invStd);
    const dbeta = tf.sum(dy, axes);
    const dgamma = tf.sum(tf.mul(dy, xHat), axes);
    const centred = tf.sub(tf.sub(dy, tf.div(dbeta, count)), tf.mul(xHat, tf.div(dgamma, count)));
    return [tf.mul(centred, tf.mul(gamma, invStd)), dgamma, dbeta];
  });
}

let gradientRegistered = false;

function registerGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: BATCH_NORM_TRAINING_KERNEL,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true],
    gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const dy = Array.isArray(dys) ? dys[0]! : dys;
      const [x, gamma, mean, variance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const { epsilon } = attrs as unknown as BatchNormTrainingAttrs;
      // One kernel yields all three gradients; the engine asks for each in its own tidy, so they are made here, once.
      const [dx, dgamma, dbeta] = tf.getKernel(BATCH_NORM_TRAINING_GRAD_KERNEL, tf.getBackend())
        ? (tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD_KERNEL, { dy, x, gamma, mean, variance }, { epsilon }) as tf.Tensor[])
        : batchNormTrainingGrad(dy, x, gamma, mean, variance, epsilon);
      return { x: () => dx!, gamma: () => dgamma!, beta: () => dbeta! };
    },
  });
}

/**
 * Batch normalisation of a training batch over every axis but the last (channels):
 * x [..., C], gamma [C], beta [C] → y = (x − mean)·gamma/√(variance + ε) + beta, with the batch's mean and biased
 * variance [C].
 *
 * Where the backend has the fused kernels (native), forward and backward are one kernel each and only x is kept for
 * the gradient; tfjs's chain of moments and batchNorm keeps x − mean and its square too, two more activations per
 * layer. Elsewhere it IS that chain, so results on other backends do not change.
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormTrainingResult {
  const channels = x.shape[x.shape.length - 1];
  if (x.rank < 2 || gamma.size !== channels || beta.size !== channels) {
    throw new Error(`batchNormTraining: x [..., C] with gamma and beta of C values, got x [${x.shape.join(', ')}], gamma [${gamma.shape.join(', ')}], beta [${beta.shape.join(', ')}]`);
  }
  if (x.dtype === 'float32' && x.size > 0 && tf.getKernel(BATCH_NORM_TRAINING_KERNEL, tf.getBackend())) {
    registerGradient();
    const attrs: BatchNormTrainingAttrs = { epsilon };
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING_KERNEL, { x, gamma, beta }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { y: y!, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return { y: tf.batchNorm(x, mean, variance, beta, gamma, epsilon), mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}
