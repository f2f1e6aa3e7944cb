import { rowMajorStrides } from './euclidean-distance-transform';

/**
 * Surface (border) elements of a binary mask: foreground elements with at least one face-adjacent
 * (2·D-connectivity) background neighbour. Elements on the image edge count as border, because the
 * outside of the image is treated as background — the same convention as MedPy's `hd95`
 * (mask XOR its binary erosion with border value 0), so values are comparable with published tables.
 */
export function surfaceOf(mask: Uint8Array, shape: readonly number[]): Uint8Array {
  const strides = rowMajorStrides(shape);
  const border = new Uint8Array(mask.length);
  const coords = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < mask.length; i++) {
    if (i > 0) increment(coords, shape);
    if (!mask[i]) continue;
    let isBorder = false;
    for (let a = 0; a < shape.length && !isBorder; a++) {
      const c = coords[a]!;
      if (c === 0 || c === shape[a]! - 1) isBorder = true;
      else if (!mask[i - strides[a]!] || !mask[i + strides[a]!]) isBorder = true;
    }
    border[i] = isBorder ? 1 : 0;
  }
  return border;
}

function increment(coords: number[], shape: readonly number[]): void {
  for (let a = shape.length - 1; a >= 0; a--) {
    coords[a]!++;
    if (coords[a]! < shape[a]!) return;
    coords[a] = 0;
  }
}
