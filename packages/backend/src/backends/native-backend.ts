import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon, NATIVE_INSTALL_HINT } from '@graphflow/backend-native';
import type { BackendActivateOptions, BackendInfo, BackendProbe, ComputeBackend, ComputePrecision } from '@graphflow/core';
import { NATIVE_TF_BACKEND } from '../kernels/native/native-kernel';
import { registerNativeKernels } from '../kernels/native/register-native-kernels';
import { wasmMemory } from '../wasm/wasm-heap';
import { defaultWasmThreads, wasmBackend } from './wasm-backend';

/**
 * bfloat16 only where oneDNN dispatches to native bf16 instructions (AVX512-BF16 or AMX); elsewhere it would emulate
 * them, slower than float32.
 */
export function nativePrecisions(isa: string): ComputePrecision[] {
  return /bf16|amx/.test(isa) ? ['float32', 'bfloat16'] : ['float32'];
}

/**
 * The wasm backend with its hot kernels (convolutions and their gradients, …) run by oneDNN through GraphFlow's
 * Node-API addon, in place on the wasm heap: tensors stay where wasm put them, so there are no copies, and every
 * kernel or case the addon does not take runs as on wasm. Under the name `native`, tfjs sees the same backend
 * instance as `wasm` (no data moves between them) with its own kernel table.
 */
export const nativeBackend: ComputeBackend = {
  name: 'native',
  aliases: ['onednn', 'dnnl'],
  priority: 250,
  async probe(): Promise<BackendProbe> {
    const load = loadNativeAddon();
    if (!load.addon) return { available: false, reason: `${load.reason}. To use it: ${NATIVE_INSTALL_HINT}` };
    const wasm = await wasmBackend.probe();
    return wasm.available ? { ...wasm, precisions: nativePrecisions(load.addon.info().isa) } : wasm;
  },
  async activate(options: BackendActivateOptions = {}): Promise<BackendInfo> {
    const load = loadNativeAddon();
    if (!load.addon) throw new Error(load.reason);
    // oneDNN's OpenMP threads do the parallel work; a wasm thread pool beside them only competes for the same cores
    // (measured: ENet's training step 0.59 s with 2 wasm threads, 0.37 s with 1; what falls back to wasm is mostly
    // element-wise and serial there anyway). A single-threaded wasm also saves its workers' ≈ 70 MiB.
    const wasmInfo = await wasmBackend.activate({ ...options, threads: 1 });
    const instance = tf.findBackend('wasm');
    if (!instance) throw new Error('the wasm backend did not start');
    const kernels = registerNativeKernels(load.addon);
    if (!tf.findBackend(NATIVE_TF_BACKEND)) tf.registerBackend(NATIVE_TF_BACKEND, () => instance);
    if (!(await tf.setBackend(NATIVE_TF_BACKEND))) throw new Error(`tf.setBackend("${NATIVE_TF_BACKEND}") returned false`);
    load.addon.setThreads(options.threads ?? defaultWasmThreads());
    const lib = load.addon.info();
    const precision = options.precision ?? 'float32';
    if (!nativePrecisions(lib.isa).includes(precision)) throw new Error(`this CPU (oneDNN ISA ${lib.isa}) has no bf16 units for precision ${precision}`);
    load.addon.setPrecision(precision);
    return {
      name: 'native',
      tfBackend: NATIVE_TF_BACKEND,
      version: `${lib.library} ${lib.version}`,
      threads: load.addon.getThreads(),
      precision,
      details: { library: lib.library, libraryVersion: lib.version, isa: lib.isa, cpuRuntime: lib.cpuRuntime, precision, addon: load.file, nativeKernels: kernels, wasm: wasmInfo.details },
      memory: wasmMemory(),
    };
  },
};
