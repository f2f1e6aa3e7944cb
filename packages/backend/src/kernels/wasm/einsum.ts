import * as tf from '@tensorflow/tfjs';
import { runCompositeKernel, type KernelArgs } from '../composite-kernel';

/**
 * Einsum by broadcast-multiply and sum along tfjs's own contraction path (the same plan the cpu backend
 * follows, so results match it). Memory grows with the product of all index sizes: models should prefer
 * `matMul` for large contractions; this exists so an `einsum` in a loss or attention block does not stop
 * training on wasm.
 *
 * Inputs: any number of tensors matching `equation`; output per the equation's right-hand side.
 */
export function einsum(tensors: tf.Tensor[], equation: string): tf.Tensor {
  const bu = tf.backend_util;
  const { allDims, summedDims, idDims } = bu.decodeEinsumEquation(equation, tensors.length);
  bu.checkEinsumDimSizes(allDims.length, idDims, tensors);
  const { path, steps } = bu.getEinsumComputePath(summedDims, idDims);
  let out: tf.Tensor | null = null;
  let remaining = allDims.length;
  steps.forEach((step, i) => {
    for (const term of step) {
      const { permutationIndices, expandDims } = bu.getEinsumPermutation(remaining, idDims[term]!);
      let x = bu.isIdentityPermutation(permutationIndices) ? tensors[term]! : tf.transpose(tensors[term]!, permutationIndices);
      const target = x.shape.slice();
      for (const axis of expandDims) target.splice(axis, 0, 1);
      x = x.reshape(target);
      out = out === null ? x : tf.mul(x, out);
    }
    if (i < steps.length - 1) {
      if (path[i]! >= 0) out = tf.sum(out!, path[i]! - (allDims.length - remaining));
      remaining--;
    }
  });
  return out!;
}

export const einsumWasm: tf.KernelConfig = {
  kernelName: tf.Einsum,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }: KernelArgs) =>
    runCompositeKernel(backend as tf.KernelBackend, Object.values(inputs) as tf.TensorInfo[], (ts) => einsum(ts, (attrs as { equation: string }).equation)),
};
