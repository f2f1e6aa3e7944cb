import { GraphFlowError, type SegmentationModel } from '@graphflow/core';

/**
 * The smallest [height, width] ≥ the image (and ≥ `atLeast`) the network accepts: images are zero-padded to it on the
 * bottom and right (so cropping back is a plain slice from the origin) and the result cropped back. Uses the network's
 * multiple/minimum rule when it declares one, else searches sizes with `checkInputSize`.
 */
export function paddedSize(model: SegmentationModel, height: number, width: number, atLeast: readonly [number, number] = [1, 1]): [number, number] {
  const h = Math.max(height, atLeast[0]);
  const w = Math.max(width, atLeast[1]);
  const req = model.inputSizeRequirement;
  if (req) {
    const side = (n: number) => Math.ceil(Math.max(n, req.minimum) / req.multiple) * req.multiple;
    return [side(h), side(w)];
  }
  // No declared rule: the nearest accepted size, growing both sides by at most 128 pixels in total.
  for (let extra = 0; extra <= 128; extra++) {
    for (let dh = 0; dh <= extra; dh++) {
      if (model.checkInputSize(h + dh, w + extra - dh) === null) return [h + dh, w + extra - dh];
    }
  }
  throw new GraphFlowError('GF_DATA_INVALID', `${model.architecture} accepts no size near ${height}×${width}: ${model.checkInputSize(h, w)}`);
}
