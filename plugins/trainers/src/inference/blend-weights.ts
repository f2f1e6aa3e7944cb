/**
 * Weight of a tile's prediction along one axis of `n` pixels when overlapping tiles are averaged; a tile's 2-D weight
 * is the product of its row and column weights. `gaussian`: nnU-Net's importance map, σ = n/8, max 1 — tile borders,
 * where the network sees the least context, count less; it stays strictly positive so every covered pixel has weight.
 * `constant`: all 1 (plain mean of the tiles).
 */
export function axisWeights(n: number, blend: 'gaussian' | 'constant'): Float64Array {
  const g = new Float64Array(n);
  if (blend === 'constant') return g.fill(1);
  const sigma = n / 8;
  const centre = (n - 1) / 2;
  for (let i = 0; i < n; i++) g[i] = Math.max(Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma)), 1e-6);
  return g;
}

/**
 * Pixels left out (weight 0) along a tile side that lies inside the image: a quarter of the overlap. With zero-padded
 * ("same") convolutions a tile's outputs within the receptive-field radius of its edge see zeros where the image goes
 * on, which shows as seams however small their blend weight; dropping them makes tiling exact for any network whose
 * receptive-field radius is at most this margin. A quarter (not half) keeps half the overlap for blending, and every
 * pixel stays covered: neighbouring tiles share at least `overlap` pixels and each drops a quarter of them.
 */
export function innerMargin(tile: number, overlap: number): number {
  return Math.floor(Math.floor(tile * overlap) / 4);
}
