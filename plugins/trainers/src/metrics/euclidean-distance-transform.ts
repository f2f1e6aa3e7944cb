/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled
 * Functions", 2012) in any number of dimensions with anisotropic spacing.
 *
 * The squared transform is separable: a 1-D lower envelope of parabolas is computed along each axis in turn,
 * which is exact (not a chamfer approximation) and linear in the number of pixels.
 */

/**
 * Distance from every element to the nearest `site` (true) element, in units of `spacing`
 * (1 per axis when omitted). Layout is row-major over `shape` (e.g. [H, W] or [D, H, W]).
 * Elements are +Infinity when there is no site at all.
 */
export function euclideanDistanceTransform(
  sites: ArrayLike<boolean | number>,
  shape: readonly number[],
  spacing?: readonly number[],
): Float64Array {
  const squared = squaredDistanceTransform(sites, shape, spacing);
  for (let i = 0; i < squared.length; i++) squared[i] = Math.sqrt(squared[i]!);
  return squared;
}

export function squaredDistanceTransform(
  sites: ArrayLike<boolean | number>,
  shape: readonly number[],
  spacing?: readonly number[],
): Float64Array {
  const total = shape.reduce((a, b) => a * b, 1);
  if (sites.length !== total) throw new RangeError(`distance transform: ${sites.length} elements for shape [${shape.join(', ')}]`);
  if (spacing && spacing.length !== shape.length) throw new RangeError(`distance transform: spacing has ${spacing.length} axes, shape ${shape.length}`);
  const field = new Float64Array(total);
  for (let i = 0; i < total; i++) field[i] = sites[i] ? 0 : Infinity;

  const maxLen = Math.max(1, ...shape);
  const line = new Float64Array(maxLen);
  const out = new Float64Array(maxLen);
  const v = new Int32Array(maxLen);
  const z = new Float64Array(maxLen + 1);

  const strides = rowMajorStrides(shape);
  for (let axis = 0; axis < shape.length; axis++) {
    const n = shape[axis]!;
    const stride = strides[axis]!;
    const step = spacing ? spacing[axis]! : 1;
    // Every line along `axis` starts at an index whose coordinate on `axis` is 0.
    const lines = total / n;
    for (let l = 0; l < lines; l++) {
      const outer = Math.floor(l / stride);
      const inner = l % stride;
      const start = outer * stride * n + inner;
      for (let q = 0; q < n; q++) line[q] = field[start + q * stride]!;
      lowerEnvelope1d(line, n, step, out, v, z);
      for (let q = 0; q < n; q++) field[start + q * stride] = out[q]!;
    }
  }
  return field;
}

export function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * out[p] = min_q ( (step·(p−q))² + f[q] ). Infinite f[q] are not parabolas at all, so they are skipped
 * instead of entering the envelope (their intersections would be NaN).
 */
function lowerEnvelope1d(f: Float64Array, n: number, step: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  const s2 = step * step;
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q]!;
    if (fq === Infinity) continue;
    let s = 0;
    while (k >= 0) {
      const p = v[k]!;
      s = (fq + s2 * q * q - (f[p]! + s2 * p * p)) / (2 * s2 * (q - p));
      if (s > z[k]!) break;
      k--;
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    out.fill(Infinity, 0, n);
    return;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const p = v[k]!;
    const d = step * (q - p);
    out[q] = d * d + f[p]!;
  }
}
