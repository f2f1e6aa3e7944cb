/** Mean over foreground classes (index ≥ 1) whose value is defined (not NaN): the paper's "mean" column. */
export function foregroundMean(perClass: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (let c = 1; c < perClass.length; c++) {
    const v = perClass[c]!;
    if (Number.isNaN(v)) continue;
    sum += v;
    n++;
  }
  return n === 0 ? NaN : sum / n;
}
