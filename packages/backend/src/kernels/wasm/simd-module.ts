import type * as tf from '@tensorflow/tfjs';

/**
 * A small hand-assembled WebAssembly SIMD module that works directly on tfjs-backend-wasm's heap (it imports
 * the backend's own WebAssembly.Memory, so tensors are addressed by their `memoryOffset`, with no copies).
 *
 * Why: tfjs-backend-wasm 4.22 runs per-channel broadcasts ([..., C] ⊙ [C]), leading-axis reductions and
 * unary ops like Square outside XNNPACK's fast paths, dispatched over its thread pool; on a shared 2-core
 * machine each such call costs 1–3 ms for 0.5 M elements (a plain JS loop, 1.5–4 ns per element, is not
 * much better). These loops run on the calling thread, 4 lanes at a time.
 *
 * Every function has the signature (p0, p1, p2, p3, p4: i32) → (), pointers in bytes:
 *   bin_<op>_<layout>   (a, b, out, rows, cols)  out[r,c] = a[r,c] op B, B = b[c] (vec) or b[r] (row);
 *                                                 `_l` variants compute B op a[r,c] instead
 *   colsum              (x, acc, _, rows, cols)   acc[c] (float64) = Σ_r x[r,c]
 *   colmax              (x, out, _, rows, cols)   out[c] = max(out[c], max_r x[r,c]) (out pre-filled)
 *   un_<op>             (x, _, out, n, _)         out[i] = op(x[i])
 */

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'sqdiff';
export type UnaryOp = 'square' | 'neg' | 'relu';
type SimdFn = (p0: number, p1: number, p2: number, p3: number, p4: number) => void;
export type SimdModule = Record<string, SimdFn>;

export const BINARY_OPS: readonly BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'sqdiff'];
const UNARY_OPS: readonly UnaryOp[] = ['square', 'neg', 'relu'];

// ---- a minimal encoder -------------------------------------------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;
// Locals: 0–4 params; 5–9 i32 scratch (r, c, pa, pb, po); 10 f32; 11 v128; 12 f64.
const [P0, P1, P2, P3, P4, R, C, PA, PB, PO, SF, SV] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const LOCALS = [[...uleb(5), I32], [1, F32], [1, V128], [1, F64]];

const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const tee = (i: number) => [0x22, ...uleb(i)];
const i32c = (n: number) => [0x41, ...sleb(n)];
const simd = (op: number) => [0xfd, ...uleb(op)];
const mem = (align: number) => [...uleb(align), 0];
const I32_ADD = [0x6a];
const I32_SUB = [0x6b];
const I32_SHL = [0x74];
const I32_GT_U = [0x4b];
const I32_GE_U = [0x4f];
const I32_EQZ = [0x45];
const F32_LOAD = [0x2a, ...mem(2)];
const F32_STORE = [0x38, ...mem(2)];
const F64_LOAD = [0x2b, ...mem(3)];
const F64_STORE = [0x39, ...mem(3)];
const V_LOAD = [...simd(0x00), ...mem(2)];
const V_STORE = [...simd(0x0b), ...mem(2)];
const F32X4_SPLAT = simd(0x13);
const F64X2_PROMOTE_LOW = simd(0x5f);
const F64X2_ADD = simd(0xf0);
const SHUFFLE_HIGH_TO_LOW = [...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const F64_PROMOTE_F32 = [0xbb];
const F64_ADD = [0xa0];

/** `p + (c << 2)`: the byte address of element c of the row at pointer local p. */
const at = (p: number, index = C) => [...get(p), ...get(index), ...i32c(2), ...I32_SHL, ...I32_ADD];
const incr = (local: number, by: number[]) => [...get(local), ...by, ...I32_ADD, ...set(local)];

/** `while (cond) body`: cond leaves an i32 that is non-zero to STOP. */
const whileNot = (stop: number[], body: number[]) => [0x02, 0x40, 0x03, 0x40, ...stop, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];

const SIMD_BIN: Record<Exclude<BinaryOp, 'sqdiff'>, number> = { add: 0xe4, sub: 0xe5, mul: 0xe6, div: 0xe7, max: 0xe9, min: 0xe8 };
const SCALAR_BIN: Record<Exclude<BinaryOp, 'sqdiff'>, number> = { add: 0x92, sub: 0x93, mul: 0x94, div: 0x95, max: 0x97, min: 0x96 };

/** Applies op to the two values on the stack (v128 or f32), using `tmp` for the square of a difference. */
function applyBinary(op: BinaryOp, lanes: boolean, tmp: number): number[] {
  if (op === 'sqdiff') {
    const sub = lanes ? simd(SIMD_BIN.sub) : [SCALAR_BIN.sub];
    const mul = lanes ? simd(SIMD_BIN.mul) : [SCALAR_BIN.mul];
    return [...sub, ...tee(tmp), ...get(tmp), ...mul];
  }
  return lanes ? simd(SIMD_BIN[op]) : [SCALAR_BIN[op]];
}

/**
 * rows × cols loop with a 4-lane body while c + 4 ≤ cols and a scalar tail; `perRow` runs at each row start.
 * `lanesBody` / `scalarBody` address element c through PA / PO (advanced by `rowStride` bytes per row).
 */
function rowsLoop(perRow: number[], lanesBody: number[], scalarBody: number[], advance: number[]): number[] {
  return [
    ...get(P0), ...set(PA), ...get(P2), ...set(PO), ...get(P3), ...set(R),
    ...whileNot([...get(R), ...I32_EQZ], [
      ...perRow,
      ...i32c(0), ...set(C),
      ...whileNot([...get(C), ...i32c(4), ...I32_ADD, ...get(P4), ...I32_GT_U], [...lanesBody, ...incr(C, i32c(4))]),
      ...whileNot([...get(C), ...get(P4), ...I32_GE_U], [...scalarBody, ...incr(C, i32c(1))]),
      ...advance,
      ...get(R), ...i32c(1), ...I32_SUB, ...set(R),
    ]),
  ];
}
const rowBytes = [...get(P4), ...i32c(2), ...I32_SHL];

function binaryBody(op: BinaryOp, layout: 'vec' | 'row', vectorLeft: boolean): number[] {
  // The broadcast operand B: b[c] for 'vec' (address PB + 4c, PB = b fixed), b[r] splatted for 'row'.
  const bLanes = layout === 'vec' ? [...at(PB), ...V_LOAD] : get(SV);
  const bScalar = layout === 'vec' ? [...at(PB), ...F32_LOAD] : get(SF);
  const aLanes = [...at(PA), ...V_LOAD];
  const aScalar = [...at(PA), ...F32_LOAD];
  const [l1, l2] = vectorLeft ? [bLanes, aLanes] : [aLanes, bLanes];
  const [s1, s2] = vectorLeft ? [bScalar, aScalar] : [aScalar, bScalar];
  const perRow = layout === 'row' ? [...get(PB), ...F32_LOAD, ...tee(SF), ...F32X4_SPLAT, ...set(SV)] : [];
  const advance = [...incr(PA, rowBytes), ...incr(PO, rowBytes), ...(layout === 'row' ? incr(PB, i32c(4)) : [])];
  return [
    ...get(P1), ...set(PB),
    ...rowsLoop(
      perRow,
      [...at(PO), ...l1, ...l2, ...applyBinary(op, true, 13), ...V_STORE],
      [...at(PO), ...s1, ...s2, ...applyBinary(op, false, 14), ...F32_STORE],
      advance,
    ),
  ];
}

/** acc[c] (f64, zeroed here) += x[r,c] over all rows: 4 lanes promoted to two f64x2 per step. */
function colsumBody(): number[] {
  const acc = (lane: number) => [...get(P1), ...get(C), ...i32c(3), ...I32_SHL, ...I32_ADD, ...(lane ? [...i32c(lane * 8), ...I32_ADD] : [])];
  const zero = whileNot([...get(C), ...get(P4), ...I32_GE_U], [...acc(0), 0x44, 0, 0, 0, 0, 0, 0, 0, 0, ...F64_STORE, ...incr(C, i32c(1))]);
  const lanes = [
    ...at(PA), ...V_LOAD, ...set(SV),
    ...acc(0), ...acc(0), ...simd(0x00), ...mem(3), ...get(SV), ...F64X2_PROMOTE_LOW, ...F64X2_ADD, ...simd(0x0b), ...mem(3),
    ...acc(2), ...acc(2), ...simd(0x00), ...mem(3), ...get(SV), ...get(SV), ...SHUFFLE_HIGH_TO_LOW, ...F64X2_PROMOTE_LOW, ...F64X2_ADD, ...simd(0x0b), ...mem(3),
  ];
  const scalar = [...acc(0), ...acc(0), ...F64_LOAD, ...at(PA), ...F32_LOAD, ...F64_PROMOTE_F32, ...F64_ADD, ...F64_STORE];
  return [...i32c(0), ...set(C), ...zero, ...rowsLoop([], lanes, scalar, incr(PA, rowBytes))];
}

/** out[c] = max(out[c], x[r,c]) over rows (NaN-propagating, like tfjs's cpu Max). */
function colmaxBody(): number[] {
  const lanes = [...at(P1), ...at(P1), ...V_LOAD, ...at(PA), ...V_LOAD, ...simd(0xe9), ...V_STORE];
  const scalar = [...at(P1), ...at(P1), ...F32_LOAD, ...at(PA), ...F32_LOAD, 0x97, ...F32_STORE];
  return rowsLoop([], lanes, scalar, incr(PA, rowBytes));
}

function unaryBody(op: UnaryOp): number[] {
  // One "row" of n elements: rows = 1, cols = n.
  const lanesOp: Record<UnaryOp, number[]> = {
    square: [...tee(SV), ...get(SV), ...simd(0xe6)],
    neg: simd(0xe1),
    // pmax(x, 0) = x < 0 ? 0 : x, exactly tfjs's relu (keeps NaN and −0).
    relu: [...simd(0x0c), ...new Array<number>(16).fill(0), ...simd(0xeb)],
  };
  const scalarOp: Record<UnaryOp, number[]> = {
    square: [...tee(SF), ...get(SF), 0x94],
    neg: [0x8c],
    relu: [...set(SF), 0x43, 0, 0, 0, 0, ...get(SF), ...get(SF), 0x43, 0, 0, 0, 0, 0x5d, 0x1b],
  };
  return [
    ...get(P3), ...set(P4), ...i32c(1), ...set(P3),
    ...rowsLoop([], [...at(PO), ...at(PA), ...V_LOAD, ...lanesOp[op], ...V_STORE], [...at(PO), ...at(PA), ...F32_LOAD, ...scalarOp[op], ...F32_STORE], []),
  ];
}

function buildModule(shared: boolean): { bytes: Uint8Array; names: string[] } {
  const bodies: { name: string; code: number[]; extraLocals?: number[][] }[] = [];
  for (const op of BINARY_OPS) {
    for (const layout of ['vec', 'row'] as const) {
      bodies.push({ name: `bin_${op}_${layout}`, code: binaryBody(op, layout, false) });
      bodies.push({ name: `bin_${op}_${layout}_l`, code: binaryBody(op, layout, true) });
    }
  }
  bodies.push({ name: 'colsum', code: colsumBody() }, { name: 'colmax', code: colmaxBody() });
  for (const op of UNARY_OPS) bodies.push({ name: `un_${op}`, code: unaryBody(op) });

  // Locals 13 (v128) and 14 (f32) hold a difference to square.
  const locals = [...LOCALS, [1, V128], [1, F32]];
  const type = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), 0];
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type])),
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, ...limits]])),
    ...section(3, vec(bodies.map(() => [0]))),
    ...section(7, vec(bodies.map((b, i) => [...str(b.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies.map((b) => {
      const fn = [...vec(locals), ...b.code, 0x0b];
      return [...uleb(fn.length), ...fn];
    }))),
  ];
  return { bytes: Uint8Array.from(bytes), names: bodies.map((b) => b.name) };
}

/** The part of the WebAssembly JS API used here (this package compiles without the DOM library). */
interface WasmMemory { readonly buffer: ArrayBufferLike }
interface WasmApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface WasmBackendView {
  wasm: { wasmMemory?: WasmMemory; asm?: { memory?: WasmMemory }; _malloc(n: number): number; _free(p: number): void };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

const instances = new WeakMap<WasmMemory, SimdModule | null>();

/** The heap's WebAssembly.Memory of a tfjs wasm backend, or undefined if it does not expose one. */
function backendMemory(backend: tf.KernelBackend): WasmMemory | undefined {
  const wasm = (backend as unknown as Partial<WasmBackendView>).wasm;
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  return memory instanceof WebAssemblyApi.Memory ? memory : undefined;
}

/**
 * The SIMD module bound to this backend's heap (built and instantiated once per heap, synchronously:
 * the module is a few KB), or null when the backend exposes no memory or the engine lacks wasm SIMD —
 * callers then use tfjs's own kernels.
 */
export function simdModuleFor(backend: tf.KernelBackend): SimdModule | null {
  const memory = backendMemory(backend);
  if (!memory) return null;
  let module = instances.get(memory);
  if (module !== undefined) return module;
  try {
    const { bytes, names } = buildModule(typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer);
    const instance = new WebAssemblyApi.Instance(new WebAssemblyApi.Module(bytes), { env: { memory } });
    module = Object.fromEntries(names.map((n) => [n, instance.exports[n] as SimdFn]));
  } catch {
    module = null;
  }
  instances.set(memory, module);
  return module;
}

/** Byte offset of a tensor's data on the wasm heap. */
export function heapOffset(backend: tf.KernelBackend, info: tf.TensorInfo): number {
  const data = (backend as unknown as WasmBackendView).dataIdMap.get(info.dataId);
  if (!data) throw new Error('tensor data not found on the wasm backend');
  return data.memoryOffset;
}

/** The heap as bytes (a fresh view: the memory may have grown since the last call). */
export function heapBuffer(backend: tf.KernelBackend): ArrayBufferLike {
  return backendMemory(backend)!.buffer;
}

export function heapMalloc(backend: tf.KernelBackend, bytes: number): number {
  return (backend as unknown as WasmBackendView).wasm._malloc(bytes) >>> 0;
}
export function heapFree(backend: tf.KernelBackend, pointer: number): void {
  (backend as unknown as WasmBackendView).wasm._free(pointer);
}

/** A new float32 output tensor of the backend, on its heap. */
export function heapOutput(backend: tf.KernelBackend, shape: number[]): tf.TensorInfo {
  return (backend as unknown as { makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo }).makeOutput(shape, 'float32');
}
