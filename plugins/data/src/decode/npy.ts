/**
 * NumPy `.npy` arrays (format versions 1.0–3.0, https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
 * Only the documented header is parsed here; payloads are plain little/big-endian numeric arrays.
 */

export type NpyDtype = 'u1' | 'i1' | 'b1' | 'u2' | 'i2' | 'u4' | 'i4' | 'f4' | 'f8' | 'i8' | 'u8';

export interface NdArray {
  shape: number[];
  dtype: NpyDtype;
  /** Values in C (row-major) order, converted to float32 (exact for all integer types up to 2^24). */
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ITEM_SIZE: Record<NpyDtype, number> = { u1: 1, i1: 1, b1: 1, u2: 2, i2: 2, u4: 4, i4: 4, f4: 4, f8: 8, i8: 8, u8: 8 };

export class NpyFormatError extends Error {}

function parseHeader(text: string): { descr: string; fortran: boolean; shape: number[] } {
  // The header is a Python dict literal; these three keys are all the format defines.
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new NpyFormatError(`malformed .npy header: ${text.trim()}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => Number.parseInt(s, 10));
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw new NpyFormatError(`bad shape in .npy header: (${shapeText})`);
  return { descr, fortran: fortran === 'True', shape };
}

/** Parse a whole `.npy` file held in memory. Fortran-ordered arrays are transposed to C order. */
export function parseNpy(bytes: Uint8Array): NdArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NpyFormatError('not a .npy file (bad magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = parseHeader(new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLen)));
  const order = header.descr[0];
  const dtype = header.descr.slice(1) as NpyDtype;
  if (!(dtype in ITEM_SIZE) || !['<', '>', '|', '='].includes(order!)) throw new NpyFormatError(`unsupported .npy dtype '${header.descr}'`);
  const little = order !== '>';
  const count = header.shape.reduce((a, b) => a * b, 1);
  const size = ITEM_SIZE[dtype];
  const offset = headerStart + headerLen;
  if (bytes.length < offset + count * size) throw new NpyFormatError(`truncated .npy payload: need ${count * size} bytes, have ${bytes.length - offset}`);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const p = offset + i * size;
    switch (dtype) {
      case 'u1': case 'b1': out[i] = view.getUint8(p); break;
      case 'i1': out[i] = view.getInt8(p); break;
      case 'u2': out[i] = view.getUint16(p, little); break;
      case 'i2': out[i] = view.getInt16(p, little); break;
      case 'u4': out[i] = view.getUint32(p, little); break;
      case 'i4': out[i] = view.getInt32(p, little); break;
      case 'f4': out[i] = view.getFloat32(p, little); break;
      case 'f8': out[i] = view.getFloat64(p, little); break;
      case 'i8': out[i] = Number(view.getBigInt64(p, little)); break;
      case 'u8': out[i] = Number(view.getBigUint64(p, little)); break;
    }
  }
  return { shape: header.shape, dtype, data: header.fortran ? fortranToC(out, header.shape) : out };
}

function fortranToC(data: Float32Array, shape: number[]): Float32Array {
  const n = shape.length;
  const out = new Float32Array(data.length);
  const idx = new Array<number>(n).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    let stride = 1;
    for (let d = 0; d < n; d++) {
      f += idx[d]! * stride;
      stride *= shape[d]!;
    }
    out[c] = data[f]!;
    for (let d = n - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Encode a C-ordered array as `.npy` version 1.0 (little-endian float32 or uint8); used for caches and test fixtures. */
export function encodeNpy(data: Float32Array | Uint8Array, shape: number[]): Uint8Array {
  const descr = data instanceof Float32Array ? '<f4' : '|u1';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad so the payload starts on a 64-byte boundary, as the format asks; the header ends with '\n'.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
