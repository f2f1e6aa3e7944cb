import * as tf from '@tensorflow/tfjs';
import { defineCompositeKernel } from '../composite-kernel';
import { conv2dBackpropFilter } from '../wasm/conv2d-backprop-filter';

/**
 * The cpu backend's own Conv2DBackpropFilter is a 7-deep scalar loop: 94 % (415 s) of a reference U-Net
 * training step, while its forward Conv2D (im2col + matMul) took 8 s for the same layers. The wasm
 * formulation (one batch↔channel-swapped convolution) runs on cpu's forward conv, giving the same values.
 */
export const conv2dBackpropFilterCpu = defineCompositeKernel(tf.Conv2DBackpropFilter, 'cpu', ['x', 'dy'], conv2dBackpropFilter);

/** tfjs's original cpu kernels, kept so tests can compare against them. */
export const ORIGINAL_CPU_KERNELS: Readonly<Record<string, tf.KernelConfig | undefined>> = {
  [tf.Conv2DBackpropFilter]: tf.getKernel(tf.Conv2DBackpropFilter, 'cpu'),
};

/** Replaces slow cpu kernels with faster equivalent compositions (idempotent). Returns the names replaced. */
export function registerCpuFasterKernels(): string[] {
  const replaced: string[] = [];
  for (const config of [conv2dBackpropFilterCpu]) {
    const existing = tf.getKernel(config.kernelName, 'cpu');
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing) tf.unregisterKernel(config.kernelName, 'cpu');
    tf.registerKernel(config);
    replaced.push(config.kernelName);
  }
  return replaced;
}
