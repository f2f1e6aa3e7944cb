import * as tf from '@tensorflow/tfjs';

/** A backend may register this kernel: inputs {dy, x}, attrs {clipValueMin, clipValueMax} → min ≤ x ≤ max ? dy : 0. */
export const CLIP_BY_VALUE_GRAD_KERNEL = 'GraphFlowClipByValueGrad';

/**
 * ClipByValue's gradient through one fused kernel where the active backend has it (native), else tfjs's own
 * composition — where(min ≤ x ≤ max, dy, 0) — with identical values either way.
 */
export function makeClipByValueGradient(original: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: tf.ClipByValue,
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x] = saved;
      const grad = dy as tf.Tensor;
      if (!tf.getKernel(CLIP_BY_VALUE_GRAD_KERNEL, tf.getBackend()) || grad.dtype !== 'float32' || x!.dtype !== 'float32') {
        return original.gradFunc(dy, saved, attrs);
      }
      const { clipValueMin, clipValueMax } = attrs as unknown as { clipValueMin: number; clipValueMax: number };
      return { x: () => tf.engine().runKernel(CLIP_BY_VALUE_GRAD_KERNEL, { dy: grad, x: x! }, { clipValueMin, clipValueMax }) as tf.Tensor };
    },
  };
}
