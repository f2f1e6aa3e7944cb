/** Binary mask of one class from a class-index map. */
export function classMask(labels: ArrayLike<number>, cls: number): Uint8Array {
  const mask = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) mask[i] = labels[i] === cls ? 1 : 0;
  return mask;
}

export function countOnes(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]!;
  return n;
}
