import { definePlugin, type ComputeBackend } from '@graphflow/core';
import { BUILTIN_BACKENDS } from './builtin-backends';
import { kernelCoverage } from './kernels/training-kernels';

export { BUILTIN_BACKENDS, BACKEND_ALIASES } from './builtin-backends';
export { cpuBackend } from './backends/cpu-backend';
export { wasmBackend, defaultWasmThreads } from './backends/wasm-backend';
export { nativeBackend } from './backends/native-backend';
export { registerNativeKernels, nativeKernelNames } from './kernels/native/register-native-kernels';
export { nativeKernelStats, NATIVE_TF_BACKEND, type NativeKernelStats } from './kernels/native/native-kernel';
export { tfjsNodeBackend, tfjsNodeGpuBackend, INSTALL_HINTS } from './backends/tfjs-node-backends';
export { selectBackend, activateBackend, assertTrainingKernels, type BackendLogger, type SelectBackendOptions } from './select-backend';
export { runDoctor, formatDoctorReport, type DoctorReport, type DoctorBackendEntry } from './doctor';
export { kernelCoverage, TRAINING_KERNELS, TRAINING_KERNELS_BY_FAMILY } from './kernels/training-kernels';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS, WASM_FASTER_KERNELS } from './kernels/wasm/wasm-training-kernels';
export { registerDilatedConvGradients, dilatedConvGradient } from '@graphflow/core';
export { registerGraphFlowGradients } from './gradients/graphflow-gradients';
export { makeBatchNormGradient } from './gradients/batch-norm-gradient';
export { defineCompositeKernel, runCompositeKernel } from './kernels/composite-kernel';
export { registerCpuFasterKernels } from './kernels/cpu/cpu-faster-kernels';
export { initThreadedWasm, type WasmInitResult } from './wasm/threaded-wasm-init';
export { WASM_HEAP_LIMIT_BYTES, WASM_HEAP_FULL_BYTES, wasmHeapBytes, guardWasmMalloc, guardMalloc, type WasmModuleLike } from './wasm/wasm-heap';

const DOCS: Record<string, string> = {
  'tfjs-node-gpu': 'libtensorflow with CUDA through `@tensorflow/tfjs-node-gpu` (optional; needs CUDA 11.2 + cuDNN 8.1 and the package\'s libtensorflow download). Highest `auto` priority when it loads and an NVIDIA GPU is visible.',
  'tfjs-node': 'libtensorflow on CPU through `@tensorflow/tfjs-node` (optional; its install script downloads libtensorflow). Fastest CPU path where it can be installed.',
  native: 'the wasm backend with its hot kernels (convolutions and their gradients, plain, depthwise, dilated, strided, transposed) run by oneDNN through GraphFlow\'s Node-API addon in place on the wasm heap (no copies); every other kernel and case runs as on wasm. Needs oneDNN (Debian/Ubuntu: `sudo apt-get install libdnnl-dev`, then `npm rebuild @graphflow/backend-native`). Chosen by `auto` before wasm when the addon loads.',
  wasm: 'tfjs WebAssembly backend (XNNPACK, SIMD, multi-threaded in Node) plus GraphFlow\'s training kernels (Conv2DBackpropFilter, depthwise gradients, UnsortedSegmentSum, Einsum). Default here.',
  cpu: 'tfjs pure-JavaScript reference backend: always available, about 1 GFLOP/s; for tests and checks only.',
};

/** A backend component: the shared ComputeBackend with its `threads` option applied by default. */
function withOptions(backend: ComputeBackend, threads: number | undefined): ComputeBackend {
  return {
    name: backend.name,
    ...(backend.aliases ? { aliases: backend.aliases } : {}),
    priority: backend.priority,
    probe: () => backend.probe(),
    activate: (opts = {}) => backend.activate({ ...(threads !== undefined ? { threads } : {}), ...opts }),
    kernelCoverage: () => kernelCoverage(backend.name),
  };
}

export default definePlugin({
  name: '@graphflow/backend',
  version: '0.1.0',
  graphflow: '^0.1.0',
  register(api) {
    for (const backend of BUILTIN_BACKENDS) {
      api.component<{ threads?: number }, ComputeBackend>({
        kind: 'backend',
        name: backend.name,
        description: DOCS[backend.name]!.split('.')[0]!,
        docs: DOCS[backend.name]!,
        schema: {
          type: 'object',
          additionalProperties: false,
          properties: {
            threads: {
              type: 'integer',
              minimum: 1,
              maximum: 64,
              description: 'Compute threads (wasm: XNNPACK pool size; native: also oneDNN\'s OpenMP threads; default all cores). Ignored by cpu; tfjs-node reads TF_NUM_INTRAOP_THREADS.',
            },
          },
        },
        create: (options) => withOptions(backend, options.threads),
      });
    }
  },
});
