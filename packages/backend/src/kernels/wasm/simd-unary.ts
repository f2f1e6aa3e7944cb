import * as tf from '@tensorflow/tfjs';
import { heapOffset, simdModuleFor, type UnaryOp, heapOutput } from './simd-module';
import { replacementKernel } from './replacement-kernel';

/**
 * Element-wise float32 Square / Neg / Relu on wasm by the SIMD module, on the calling thread.
 * tfjs-backend-wasm runs these as scalar loops over its thread pool: Square of [4,64,64,32] took 1.1–1.9 ms
 * with 2 threads on a loaded machine, 10× a same-shape Multiply. Results are bit-identical to tfjs's
 * (x·x, −x, x < 0 ? 0 : x). Other dtypes use `fallback`.
 */
export function makeSimdUnaryWasm(kernelName: string, op: UnaryOp, fallback: tf.KernelConfig | undefined): tf.KernelConfig {
  return replacementKernel(kernelName, fallback, (args, useFallback) => {
    const backend = args.backend as tf.KernelBackend;
    const x = args.inputs['x']!;
    const n = x.shape.reduce((p, d) => p * d, 1);
    const simd = x.dtype === 'float32' && n > 0 ? simdModuleFor(backend) : null;
    if (!simd) {
      return useFallback(args);
    }
    const out = heapOutput(backend, x.shape.slice());
    simd[`un_${op}`]!(heapOffset(backend, x), 0, heapOffset(backend, out), n, 0);
    return out;
  });
}
