import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { isGraphFlowError } from '@graphflow/core';
import { activateBackend } from '../src/select-backend';
import { cpuBackend } from '../src/backends/cpu-backend';
import { WASM_HEAP_FULL_BYTES, WASM_HEAP_LIMIT_BYTES, guardMalloc, wasmHeapBytes, type WasmModuleLike } from '../src/wasm/wasm-heap';

const GiB = 2 ** 30;

describe('wasm heap limit', () => {
  it('a fake module: a null malloc becomes GF_MEMORY_LIMIT, also after Emscripten swaps in the raw export', () => {
    const raw = (bytes: number): number => (bytes > 512 ? 0 : 64);
    const freed: number[] = [];
    let heapBuffer = { byteLength: 1024 };
    const module: WasmModuleLike = {
      HEAPU8: new Uint8Array(1024),
      wasmMemory: {
        get buffer() {
          return heapBuffer as ArrayBufferLike;
        },
      },
      // Emscripten's lazy stub: the first call replaces Module._malloc with the raw export.
      _malloc: (bytes: number) => (module._malloc = raw)(bytes),
      _free: (address: number) => void freed.push(address),
    };
    guardMalloc(module);
    assert.equal(module._malloc(16), 64);
    assert.equal(module._malloc(16), 64);
    assert.throws(() => module._malloc(3 * 2 ** 20), (e) => {
      assert.ok(isGraphFlowError(e));
      assert.equal(e.code, 'GF_MEMORY_LIMIT');
      assert.match(e.message, /the WebAssembly heap is full: 0 MiB reserved of its 4 GiB limit when a 3 MiB tensor was requested; use a smaller batch size, input size or model width/);
      return true;
    });
    assert.equal(module._malloc(0), 64);
    assert.deepEqual(freed, []);
    // Past 97 % of 4 GiB even an allocation that succeeded is refused (and given back): XNNPACK's own ones may not have.
    heapBuffer = { byteLength: WASM_HEAP_FULL_BYTES };
    assert.throws(() => module._malloc(16), (e) => isGraphFlowError(e) && e.code === 'GF_MEMORY_LIMIT' && /3973 MiB reserved of its 4 GiB limit when a 1 KiB tensor/.test(e.message));
    assert.deepEqual(freed, [64]);
  });

  it('the wasm backend declares its 4 GiB heap and reports the heap size; cpu declares no limit', async () => {
    const info = await activateBackend('wasm', { threads: 1 });
    assert.equal(WASM_HEAP_LIMIT_BYTES, 4 * GiB);
    assert.equal(info.memory?.limitBytes, 4 * GiB);
    assert.match(info.memory?.description ?? '', /WebAssembly heap/);
    const before = info.memory!.usedBytes!();
    assert.equal(before, wasmHeapBytes());
    // 64 MiB more than the heap holds forces it to grow, and the heap never shrinks.
    const big = tf.zeros([before / 4 + 16 * 2 ** 20]);
    const after = info.memory!.usedBytes!();
    big.dispose();
    assert.ok(after >= before + 64 * 2 ** 20, `heap ${before} → ${after}`);
    assert.equal(info.memory!.usedBytes!(), after);
    // The guard is installed: tensors still allocate normally.
    assert.deepEqual(Array.from(tf.tensor1d([1, 2, 3]).add(1).dataSync()), [2, 3, 4]);
    assert.equal((await cpuBackend.activate()).memory, undefined);
  });
});
