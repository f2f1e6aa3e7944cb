import * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from '../composite-kernel';
import { heapOffset, simdModuleFor, type UnaryOp } from './simd-module';

/**
 * Element-wise float32 Square / Neg / Relu on wasm by the SIMD module, on the calling thread.
 * tfjs-backend-wasm runs these as scalar loops over its thread pool: Square of [4,64,64,32] took 1.1–1.9 ms
 * with 2 threads on a loaded machine, 10× a same-shape Multiply. Results are bit-identical to tfjs's
 * (x·x, −x, x < 0 ? 0 : x). Other dtypes use `fallback`.
 */
export function makeSimdUnaryWasm(kernelName: string, op: UnaryOp, fallback: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    ...(fallback?.setupFunc ? { setupFunc: fallback.setupFunc } : {}),
    kernelFunc: (args: KernelArgs) => {
      const backend = args.backend as tf.KernelBackend;
      const x = args.inputs['x']!;
      const n = x.shape.reduce((p, d) => p * d, 1);
      const simd = x.dtype === 'float32' && n > 0 ? simdModuleFor(backend) : null;
      if (!simd) {
        if (!fallback) throw new Error(`${kernelName}: no fallback kernel on wasm`);
        return fallback.kernelFunc(args);
      }
      const out = (backend as unknown as { makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo }).makeOutput(x.shape.slice(), 'float32');
      simd[`un_${op}`]!(heapOffset(backend, x), 0, heapOffset(backend, out), n, 0);
      return out;
    },
  };
}
