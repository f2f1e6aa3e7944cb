import * as tf from '@tensorflow/tfjs';

/** A backend may register this kernel: inputs {dy, x, alpha}, no attrs → [dx (shape of x), dalpha (shape of alpha)]. */
export const PRELU_GRAD_KERNEL = 'GraphFlowPreluGrad';

/**
 * Prelu's gradient through one fused kernel where the active backend has it (native), else tfjs's own composition
 * (Greater, Selects, Multiplies, a Sum). Both gradients come from one kernel call, so they are made eagerly here:
 * the engine asks for each in its own tidy.
 */
export function makePreluGradient(original: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: tf.Prelu,
    inputsToSave: ['x', 'alpha'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x, alpha] = saved as [tf.Tensor, tf.Tensor];
      const grad = dy as tf.Tensor;
      if (!tf.getKernel(PRELU_GRAD_KERNEL, tf.getBackend()) || [grad, x, alpha].some((t) => t.dtype !== 'float32')) {
        return original.gradFunc(dy, saved, attrs);
      }
      const [dx, dalpha] = tf.engine().runKernel(PRELU_GRAD_KERNEL, { dy: grad, x, alpha }, {}) as tf.Tensor[];
      return { x: () => dx!, alpha: () => dalpha! };
    },
  };
}
