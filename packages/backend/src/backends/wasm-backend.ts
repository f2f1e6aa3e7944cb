import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo, BackendProbe, ComputeBackend } from '@graphflow/core';
import { registerWasmTrainingKernels } from '../kernels/wasm/wasm-training-kernels';
import { initThreadedWasm, type WasmInitResult } from '../wasm/threaded-wasm-init';
import { guardWasmMalloc, wasmMemory } from '../wasm/wasm-heap';

let started: WasmInitResult | undefined;

/** Threads used when none are asked for: all cores (XNNPACK scales on physical cores; 2 here). */
export function defaultWasmThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * tfjs's WebAssembly backend (XNNPACK, SIMD, multi-threaded in Node via initThreadedWasm) plus GraphFlow's
 * training kernels. The wasm module can start only once per process, so the first thread count wins.
 */
export const wasmBackend: ComputeBackend = {
  name: 'wasm',
  priority: 200,
  async probe(): Promise<BackendProbe> {
    if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object') return { available: false, reason: 'this JavaScript runtime has no WebAssembly' };
    return { available: true };
  },
  async activate(options: { threads?: number } = {}): Promise<BackendInfo> {
    registerWasmTrainingKernels();
    if (!started) {
      started = await initThreadedWasm(options.threads ?? defaultWasmThreads());
    } else if (!(await tf.setBackend('wasm'))) {
      throw new Error('tf.setBackend("wasm") returned false');
    }
    guardWasmMalloc();
    return {
      name: 'wasm',
      tfBackend: 'wasm',
      version: tfwasm.version_wasm,
      threads: started.threads,
      details: { binary: started.binary, requestedThreads: started.requestedThreads, ...(started.note ? { note: started.note } : {}) },
      memory: wasmMemory(),
    };
  },
};
