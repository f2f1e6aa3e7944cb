/** Class index per pixel of [pixels, K] probabilities (first maximum wins, like tf.argMax). */
export function argmaxClasses(probabilities: Float32Array, numClasses: number): Uint8Array {
  const n = probabilities.length / numClasses;
  const out = new Uint8Array(n);
  if (numClasses === 2) {
    // The common binary case (vessels, lesions) without the inner loop.
    for (let i = 0; i < n; i++) out[i] = probabilities[2 * i + 1]! > probabilities[2 * i]! ? 1 : 0;
    return out;
  }
  for (let i = 0, o = 0; i < n; i++, o += numClasses) {
    let best = 0;
    let bestValue = probabilities[o]!;
    for (let k = 1; k < numClasses; k++) {
      const v = probabilities[o + k]!;
      if (v > bestValue) {
        bestValue = v;
        best = k;
      }
    }
    out[i] = best;
  }
  return out;
}
