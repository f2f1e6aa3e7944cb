import { rowMajorStrides } from './euclidean-distance-transform';

/**
 * The masks cropped to the bounding box of their union grown by one element per side (clamped to the image), with the
 * box's shape. Surface distances are unchanged by the crop: every site lies inside, and the one-element rim is
 * background in both masks, so no crop edge is mistaken for an image edge (which counts as surface). HD95 of a
 * thin structure then costs its extent, not the image's. Null when both masks are empty.
 */
export function cropToUnion(a: Uint8Array, b: Uint8Array, shape: readonly number[]): { a: Uint8Array; b: Uint8Array; shape: number[] } | null {
  const dims = shape.length;
  const strides = rowMajorStrides(shape);
  const lo = shape.map((n) => n);
  const hi = shape.map(() => -1);
  for (let i = 0; i < a.length; i++) {
    if (!a[i] && !b[i]) continue;
    let rest = i;
    for (let d = 0; d < dims; d++) {
      const c = Math.floor(rest / strides[d]!);
      rest -= c * strides[d]!;
      if (c < lo[d]!) lo[d] = c;
      if (c > hi[d]!) hi[d] = c;
    }
  }
  if (hi[0]! < 0) return null;
  const start = lo.map((v) => Math.max(0, v - 1));
  const boxShape = hi.map((v, d) => Math.min(shape[d]! - 1, v + 1) - start[d]! + 1);
  if (boxShape.every((n, d) => n === shape[d])) return { a, b, shape: [...shape] };
  const total = boxShape.reduce((x, y) => x * y, 1);
  const ca = new Uint8Array(total);
  const cb = new Uint8Array(total);
  // Copy row by row along the last axis.
  const rowLen = boxShape[dims - 1]!;
  const coords = new Array<number>(dims).fill(0);
  for (let o = 0; o < total; o += rowLen) {
    let src = 0;
    for (let d = 0; d < dims; d++) src += (start[d]! + coords[d]!) * strides[d]!;
    ca.set(a.subarray(src, src + rowLen), o);
    cb.set(b.subarray(src, src + rowLen), o);
    for (let d = dims - 2; d >= 0; d--) {
      coords[d]!++;
      if (coords[d]! < boxShape[d]!) break;
      coords[d] = 0;
    }
  }
  return { a: ca, b: cb, shape: boxShape };
}
