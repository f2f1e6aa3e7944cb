import type * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from '../composite-kernel';

/**
 * A wasm kernel that replaces tfjs's `fallback` for the cases `run` handles and hands every other call to it.
 * The fallback's setupFunc is carried over because tfjs binds a wasm kernel's native function in setupFunc, and
 * only for kernels registered when the backend starts: without it the fallback itself would fail when called.
 */
export function replacementKernel(
  kernelName: string,
  fallback: tf.KernelConfig | undefined,
  run: (args: KernelArgs, fallback: tf.KernelFunc) => tf.TensorInfo | tf.TensorInfo[],
): tf.KernelConfig {
  const useFallback: tf.KernelFunc = (args) => {
    if (!fallback) throw new Error(`${kernelName}: no fallback kernel on wasm`);
    return fallback.kernelFunc(args);
  };
  return {
    kernelName,
    backendName: 'wasm',
    ...(fallback?.setupFunc ? { setupFunc: fallback.setupFunc } : {}),
    kernelFunc: (args: KernelArgs) => run(args, useFallback),
  };
}
