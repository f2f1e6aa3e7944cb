import * as tf from '@tensorflow/tfjs';

export interface GradientClipOptions {
  /** `norm`: rescale all gradients together when their global L2 norm exceeds `max`; `value`: clamp elementwise. */
  mode: 'norm' | 'value';
  max: number;
}

/**
 * Clipped copies of `grads` (caller disposes them) and the global norm before clipping (for logging).
 * Global-norm clipping keeps the update direction, which is why it is the default.
 */
export function clipGradients(grads: readonly tf.Tensor[], options: GradientClipOptions | null): { grads: tf.Tensor[]; norm: number } {
  return tf.tidy(() => {
    const sq = grads.map((g) => g.square().sum());
    const norm = grads.length === 0 ? 0 : tf.addN(sq).sqrt().dataSync()[0]!;
    if (!options) return { grads: grads.map((g) => g.clone()), norm };
    if (options.mode === 'value') return { grads: grads.map((g) => g.clipByValue(-options.max, options.max)), norm };
    const scale = norm > options.max ? options.max / norm : 1;
    return { grads: grads.map((g) => (scale === 1 ? g.clone() : g.mul(scale))), norm };
  });
}
