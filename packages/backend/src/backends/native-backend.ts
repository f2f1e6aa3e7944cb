import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon, NATIVE_INSTALL_HINT } from '@graphflow/backend-native';
import type { BackendInfo, BackendProbe, ComputeBackend } from '@graphflow/core';
import { NATIVE_TF_BACKEND } from '../kernels/native/native-kernel';
import { registerNativeKernels } from '../kernels/native/register-native-kernels';
import { wasmMemory } from '../wasm/wasm-heap';
import { wasmBackend } from './wasm-backend';

/**
 * The wasm backend with its hot kernels (convolutions and their gradients, …) run by oneDNN through GraphFlow's
 * Node-API addon, in place on the wasm heap: tensors stay where wasm put them, so there are no copies, and every
 * kernel or case the addon does not take runs as on wasm. Under the name `native`, tfjs sees the same backend
 * instance as `wasm` (no data moves between them) with its own kernel table.
 */
export const nativeBackend: ComputeBackend = {
  name: 'native',
  priority: 250,
  async probe(): Promise<BackendProbe> {
    const load = loadNativeAddon();
    if (!load.addon) return { available: false, reason: `${load.reason}. To use it: ${NATIVE_INSTALL_HINT}` };
    return wasmBackend.probe();
  },
  async activate(options: { threads?: number } = {}): Promise<BackendInfo> {
    const load = loadNativeAddon();
    if (!load.addon) throw new Error(load.reason);
    const wasmInfo = await wasmBackend.activate(options);
    const instance = tf.findBackend('wasm');
    if (!instance) throw new Error('the wasm backend did not start');
    const kernels = registerNativeKernels(load.addon);
    if (!tf.findBackend(NATIVE_TF_BACKEND)) tf.registerBackend(NATIVE_TF_BACKEND, () => instance);
    if (!(await tf.setBackend(NATIVE_TF_BACKEND))) throw new Error(`tf.setBackend("${NATIVE_TF_BACKEND}") returned false`);
    load.addon.setThreads(wasmInfo.threads);
    const lib = load.addon.info();
    return {
      name: 'native',
      tfBackend: NATIVE_TF_BACKEND,
      version: `${lib.library} ${lib.version}`,
      threads: load.addon.getThreads(),
      details: { library: lib.library, libraryVersion: lib.version, isa: lib.isa, cpuRuntime: lib.cpuRuntime, addon: load.file, nativeKernels: kernels, wasm: wasmInfo.details },
      memory: wasmMemory(),
    };
  },
};
