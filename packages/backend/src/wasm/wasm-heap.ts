import * as tf from '@tensorflow/tfjs';
import { GraphFlowError, type BackendMemory } from '@graphflow/core';

/** wasm32 addresses 4 GiB, and tfjs-backend-wasm 4.22 is built with MAXIMUM_MEMORY=4GB. */
export const WASM_HEAP_LIMIT_BYTES = 4 * 2 ** 30;
/**
 * Heap size past which tensor allocations are refused. XNNPACK's own allocations (packed weights, operator state)
 * go through C malloc, which the JS guard cannot see: when one fails, tfjs only prints "XNN status … Got status 6"
 * and runs on with an uninitialised output (measured: U-Net base 32, 256², batch 4 then ran > 150 s without
 * finishing its first step). Near the top the heap grows by at most request + 96 MiB, so small C allocations fail only
 * within that distance of 4 GiB; refusing tensors from 97 % on stops the step before or right after such a failure.
 */
export const WASM_HEAP_FULL_BYTES = Math.floor(0.97 * WASM_HEAP_LIMIT_BYTES);

/** The parts of tfjs-backend-wasm's Emscripten module this file touches. */
export interface WasmModuleLike {
  HEAPU8: Uint8Array;
  /** Only the threaded build exposes it; its HEAPU8 view can lag behind a growth made by another thread. */
  wasmMemory?: { buffer: ArrayBufferLike };
  _malloc(bytes: number): number;
  _free(address: number): void;
}

function wasmModule(): WasmModuleLike | undefined {
  return (tf.backend() as unknown as { wasm?: WasmModuleLike }).wasm;
}

function heapBytes(wasm: WasmModuleLike): number {
  return (wasm.wasmMemory?.buffer ?? wasm.HEAPU8.buffer).byteLength;
}

/** Bytes of the wasm heap now; 0 when the active tfjs backend is not wasm. */
export function wasmHeapBytes(): number {
  const wasm = wasmModule();
  return wasm ? heapBytes(wasm) : 0;
}

export function wasmMemory(): BackendMemory {
  return { limitBytes: WASM_HEAP_LIMIT_BYTES, description: 'WebAssembly heap (32-bit address space)', usedBytes: wasmHeapBytes };
}

const MiB = 2 ** 20;
const guarded = new WeakSet<object>();

/**
 * Makes a full wasm heap fail loudly. tfjs-backend-wasm 4.22 does not check `_malloc`'s result: once the heap cannot
 * grow, malloc returns 0 and tfjs places the new tensor at address 0, on top of live data. Measured: the 8th 512 MiB
 * tensor got offset 0 and overwrote the 1st one's values, the 9th got a pointer into other tensors, the 10th threw
 * "memory access out of bounds"; in training the corruption shows up as a stall that ignores SIGINT.
 * Throwing here turns that into GF_MEMORY_LIMIT at the allocation that does not fit, or at the first one once the heap
 * is past WASM_HEAP_FULL_BYTES. The check costs one heap-size read per tensor allocation.
 */
export function guardWasmMalloc(): void {
  const wasm = wasmModule();
  if (wasm) guardMalloc(wasm);
}

/** guardWasmMalloc on a given module (exported for tests, which cannot fill a real 4 GiB heap quickly). */
export function guardMalloc(wasm: WasmModuleLike): void {
  if (guarded.has(wasm)) return;
  guarded.add(wasm);
  let malloc = wasm._malloc;
  const checked = (bytes: number): number => {
    const address = malloc(bytes);
    // Emscripten's lazy export stub replaces Module._malloc with the raw export on its first call.
    if (wasm._malloc !== checked) {
      malloc = wasm._malloc;
      wasm._malloc = checked;
    }
    const heap = heapBytes(wasm);
    if ((address === 0 && bytes > 0) || heap >= WASM_HEAP_FULL_BYTES) {
      if (address !== 0) wasm._free(address);
      const size = bytes >= MiB ? `${(bytes / MiB).toFixed(0)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
      throw new GraphFlowError(
        'GF_MEMORY_LIMIT',
        `the WebAssembly heap is full: ${(heap / MiB).toFixed(0)} MiB reserved of its ${WASM_HEAP_LIMIT_BYTES / 2 ** 30} GiB limit when a ${size} tensor was ` +
          `requested; use a smaller batch size, input size or model width`,
      );
    }
    return address;
  };
  wasm._malloc = checked;
}
