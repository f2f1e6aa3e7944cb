/**
 * Convert an HWC image to the channel count the network expects.
 * RGB → grey uses ITU-R BT.601 luma, the weights most medical viewers and libvips use; grey → RGB replicates.
 * Input [h*w*from] → output [h*w*to].
 */
export function convertChannels(src: Float32Array, pixels: number, from: number, to: 1 | 3): Float32Array {
  if (from === to) return src;
  const out = new Float32Array(pixels * to);
  if (to === 1) {
    for (let i = 0; i < pixels; i++) out[i] = from >= 3 ? 0.299 * src[i * from]! + 0.587 * src[i * from + 1]! + 0.114 * src[i * from + 2]! : src[i * from]!;
  } else {
    for (let i = 0; i < pixels; i++) {
      const v = src[i * from]!;
      out[i * 3] = v;
      out[i * 3 + 1] = from >= 3 ? src[i * from + 1]! : v;
      out[i * 3 + 2] = from >= 3 ? src[i * from + 2]! : v;
    }
  }
  return out;
}
