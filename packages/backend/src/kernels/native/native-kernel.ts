import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@graphflow/backend-native';
import type { KernelArgs } from '../composite-kernel';

/** tfjs backend name the native kernels are registered under (the wasm backend's instance, with native kernels). */
export const NATIVE_TF_BACKEND = 'native';

/** The parts of tfjs-backend-wasm's BackendWasm a native kernel touches. */
interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array; wasmMemory?: { buffer: ArrayBufferLike } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

let heapView: Uint8Array | undefined;

/**
 * The whole wasm heap as one Uint8Array, re-made only when the heap has grown (growth replaces the buffer). Taken
 * after a kernel's outputs are allocated, because that allocation is what can grow it.
 */
export function wasmHeap(backend: object): Uint8Array {
  const wasm = (backend as unknown as WasmBackendLike).wasm;
  // The threaded build's HEAPU8 can lag behind a growth made by another thread; its Memory's buffer cannot.
  const buffer = wasm.wasmMemory?.buffer ?? wasm.HEAPU8.buffer;
  if (!heapView || heapView.buffer !== buffer) heapView = new Uint8Array(buffer);
  return heapView;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: object, t: tf.TensorInfo): number {
  const data = (backend as unknown as WasmBackendLike).dataIdMap.get(t.dataId as object);
  if (!data) throw new Error('tensor is not on the wasm heap');
  return data.memoryOffset;
}

/** Allocates an output on the wasm heap and lets `fill` write it; frees it again if `fill` throws. */
export function withOutput(
  backend: object,
  shape: number[],
  fill: (out: tf.TensorInfo, heap: () => Uint8Array) => void,
  dtype: tf.DataType = 'float32',
): tf.TensorInfo {
  const out = (backend as unknown as WasmBackendLike).makeOutput(shape, dtype);
  try {
    fill(out, () => wasmHeap(backend));
  } catch (e) {
    (backend as unknown as WasmBackendLike).disposeData(out.dataId as object);
    throw e;
  }
  return out;
}

/** Per kernel: calls that ran natively and calls handed to wasm (with the last reason), for doctor and the bench. */
export interface NativeKernelStats {
  native: number;
  fallback: number;
  lastFallbackReason?: string;
}
const stats = new Map<string, NativeKernelStats>();

export function nativeKernelStats(): ReadonlyMap<string, NativeKernelStats> {
  return stats;
}

function statsOf(kernelName: string): NativeKernelStats {
  let s = stats.get(kernelName);
  if (!s) stats.set(kernelName, (s = { native: 0, fallback: 0 }));
  return s;
}

/**
 * What a native kernel returns: its output, or why this call goes to the wasm kernel instead (an unsupported dtype,
 * layout or attribute). Nothing is allocated before a kernel decides.
 */
export type NativeResult = tf.TensorInfo | tf.TensorInfo[] | { fallback: string };

/**
 * A kernel for the `native` backend: runs `run` with the addon and hands every call it declines (or that the
 * library rejects) to tfjs's wasm kernel of the same name, so coverage is never worse than wasm's.
 */
export function nativeKernel(
  kernelName: string,
  addon: NativeAddon,
  run: (args: KernelArgs, addon: NativeAddon) => NativeResult,
): tf.KernelConfig {
  const wasmKernel = tf.getKernel(kernelName, 'wasm');
  const s = statsOf(kernelName);
  const fallback = (args: KernelArgs, reason: string): tf.TensorInfo | tf.TensorInfo[] => {
    s.fallback++;
    s.lastFallbackReason = reason;
    // GraphFlow's own fused kernels have no wasm twin: their callers check for the kernel and otherwise run plain ops.
    if (!wasmKernel) throw new Error(`${kernelName}: the native kernel cannot take this call (${reason}) and wasm has no kernel for it`);
    return wasmKernel.kernelFunc(args);
  };
  return {
    kernelName,
    backendName: NATIVE_TF_BACKEND,
    ...(wasmKernel?.setupFunc ? { setupFunc: wasmKernel.setupFunc } : {}),
    kernelFunc: (args: KernelArgs) => {
      let result: NativeResult;
      try {
        result = run(args, addon);
      } catch (e) {
        return fallback(args, (e as Error).message);
      }
      if (!Array.isArray(result) && 'fallback' in result) return fallback(args, result.fallback);
      s.native++;
      return result;
    },
  };
}

/** Allocates outputs on the wasm heap and lets `fill` write them; frees them all if `fill` throws. */
export function withOutputs(
  backend: object,
  shapes: number[][],
  fill: (outs: tf.TensorInfo[], heap: () => Uint8Array) => void,
  dtype: tf.DataType = 'float32',
): tf.TensorInfo[] {
  const b = backend as unknown as WasmBackendLike;
  const outs = shapes.map((s) => b.makeOutput(s, dtype));
  try {
    fill(outs, () => wasmHeap(backend));
  } catch (e) {
    for (const o of outs) b.disposeData(o.dataId as object);
    throw e;
  }
  return outs;
}

/**
 * A channels-last tensor [..., C] as oneDNN's [N, H, W, C]: rank 4 as it is, any other rank as rows × C; undefined
 * when the row count does not fit an int32.
 */
export function channelsLastGeometry(shape: number[]): [number, number, number, number] | undefined {
  if (shape.length === 4) return shape as [number, number, number, number];
  const C = shape[shape.length - 1] ?? 0;
  if (shape.length === 0 || C === 0) return undefined;
  const rows = tf.util.sizeFromShape(shape) / C;
  return rows > 0x7fffffff ? undefined : [1, rows, 1, C];
}

/** All inputs float32, non-empty: the only case the native kernels take. */
export function float32Inputs(...tensors: (tf.TensorInfo | undefined)[]): string | undefined {
  for (const t of tensors) {
    if (!t) continue;
    if (t.dtype !== 'float32') return `dtype ${t.dtype}`;
    if (t.shape.some((d) => d === 0)) return 'empty tensor';
  }
  return undefined;
}
