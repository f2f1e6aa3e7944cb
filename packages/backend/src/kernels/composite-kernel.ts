import * as tf from '@tensorflow/tfjs';

/** What tfjs passes to a kernel function. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Runs `compute` on tensors wrapping a kernel's inputs and hands its result back as the kernel's output.
 *
 * Why the reference counting: `engine.makeTensorFromTensorInfo` does not raise the backend's count for the
 * data it wraps, so disposing the wrapper would free the caller's input. We raise it before wrapping and,
 * for the result, before disposing the temporary tensor whose data the kernel returns. Nested ops run with
 * the engine's kernel depth > 0, so they are not recorded on any gradient tape.
 */
export function runCompositeKernel(
  backend: tf.KernelBackend,
  inputs: readonly tf.TensorInfo[],
  compute: (tensors: tf.Tensor[]) => tf.Tensor,
): tf.TensorInfo {
  const engine = tf.engine();
  const wrapped = inputs.map((info) => {
    backend.incRef(info.dataId);
    return engine.makeTensorFromTensorInfo(info, backend);
  });
  try {
    const result = tf.tidy(() => compute(wrapped));
    backend.incRef(result.dataId);
    const info: tf.TensorInfo = { dataId: result.dataId, shape: result.shape.slice(), dtype: result.dtype };
    result.dispose();
    return info;
  } finally {
    tf.dispose(wrapped);
  }
}

/**
 * A kernel built from other tfjs ops (each of which the target backend must already have).
 * `inputNames` fixes the order in which `compute` receives the kernel's named inputs.
 */
export function defineCompositeKernel<A>(
  kernelName: string,
  backendName: string,
  inputNames: readonly string[],
  compute: (tensors: tf.Tensor[], attrs: A) => tf.Tensor,
): tf.KernelConfig {
  return {
    kernelName,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }: KernelArgs) => {
      const infos = inputNames.map((name) => {
        const info = inputs[name];
        if (info === undefined) throw new Error(`${kernelName}: missing input '${name}'`);
        return info;
      });
      return runCompositeKernel(backend as tf.KernelBackend, infos, (tensors) => compute(tensors, (attrs ?? {}) as unknown as A));
    },
  };
}
