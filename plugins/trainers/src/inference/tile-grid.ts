/**
 * Start offsets of tiles of `tile` along an axis of `length` (≥ tile) with fractional `overlap`: a regular step of
 * tile·(1 − overlap), rounded down so the overlap is never smaller than asked, and the last tile flush with the end
 * (MONAI / nnU-Net), so every element is covered and no tile hangs over the border.
 */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const step = Math.max(1, Math.floor(tile * (1 - overlap)));
  const count = Math.ceil((length - tile) / step) + 1;
  const starts: number[] = [];
  // Spread evenly between 0 and length − tile (nnU-Net): the actual step is ≤ the nominal one.
  const span = length - tile;
  for (let i = 0; i < count; i++) starts.push(Math.round((i * span) / (count - 1)));
  return starts;
}
