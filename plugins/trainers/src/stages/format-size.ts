/** Parameter counts and FLOPs in the units papers use, without rounding small models to zero. */
export function formatParams(params: number): string {
  return params >= 1e5 ? `${(params / 1e6).toFixed(2)} M` : `${params.toLocaleString('en-US')}`;
}

export function formatFlops(flops: number): string {
  if (flops >= 1e9) return `${(flops / 1e9).toFixed(2)} G`;
  if (flops >= 1e6) return `${(flops / 1e6).toFixed(2)} M`;
  return `${flops.toLocaleString('en-US')}`;
}
