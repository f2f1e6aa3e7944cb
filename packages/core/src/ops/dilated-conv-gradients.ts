import * as tf from '@tensorflow/tfjs';

/**
 * Gradients for DILATED 2-D and depthwise convolutions, which tfjs 4.22 refuses on every backend
 * ("dilation rates greater than 1 are not yet supported in gradients"). ENet and ERFNet need them.
 *
 * Method (TensorFlow's atrous trick): a stride-1 convolution with dilation d equals
 * spaceToBatch(x padded, d) → undilated valid conv → batchToSpace. Its gradient is therefore the
 * undilated gradient kernels (Conv2DBackpropInput/Filter, or the depthwise pair) applied per phase, with
 * spaceToBatch / batchToSpace swapped (the input gradient uses a native dilated convolution instead where it
 * can: dilatedInputGradientNative). Every kernel used exists on cpu, and on wasm once GraphFlow's
 * kernels are registered, so this works on every backend. Undilated calls keep tfjs's original gradient.
 */

type ConvKind = 'conv2d' | 'depthwise';

interface ConvGradAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NHWC' | 'NCHW';
}

function pair(v: number | [number, number] | undefined): [number, number] {
  if (v == null) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

/** Which gradient to compute; dx and dW are computed independently because tfjs may ask for only one. */
type Wrt = 'x' | 'filter';

/** dx [N,H,W,C] or dW [kh,kw,C,·] of a stride-1 dilated convolution of x with filter, given dy [N,Ho,Wo,·]. */
export function dilatedConvGradient(kind: ConvKind, wrt: Wrt, x: tf.Tensor4D, filter: tf.Tensor4D, dy: tf.Tensor4D, attrs: ConvGradAttrs): tf.Tensor4D {
  const [dh, dw] = pair(attrs.dilations);
  const [sh, sw] = pair(attrs.strides);
  if (sh !== 1 || sw !== 1) throw new Error(`${kind} gradient: dilation ${dh}x${dw} needs stride 1, got ${sh}x${sw}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape, filter.shape, 1, [dh, dw], attrs.pad, attrs.dimRoundingMode, kind === 'depthwise', 'channelsLast',
  );
  const { top, bottom, left, right } = info.padInfo;
  const [n, h, w, c] = x.shape;
  if (wrt === 'x') {
    const native = dilatedInputGradientNative(kind, filter, dy, [dh, dw], [top, bottom, left, right]);
    if (native) return native;
  }
  // Extra rows/cols so every phase has the same length; their outputs are cropped away again.
  const extraH = (dh - ((h + top + bottom) % dh)) % dh;
  const extraW = (dw - ((w + left + right) % dw)) % dw;
  const blocks = [dh, dw];
  const noCrop = [[0, 0], [0, 0]];
  return tf.tidy(() => {
    const xp = tf.pad(x, [[0, 0], [top, bottom + extraH], [left, right + extraW], [0, 0]]);
    const phaseShape = [n * dh * dw, xp.shape[1] / dh, xp.shape[2] / dw, c] as [number, number, number, number];
    const dyPhases = tf.spaceToBatchND(tf.pad(dy, [[0, 0], [0, extraH], [0, extraW], [0, 0]]), blocks, noCrop) as tf.Tensor4D;
    const engine = tf.engine();
    if (wrt === 'filter') {
      const phases = tf.spaceToBatchND(xp, blocks, noCrop) as tf.Tensor4D;
      const kernel = kind === 'conv2d' ? tf.Conv2DBackpropFilter : tf.DepthwiseConv2dNativeBackpropFilter;
      return engine.runKernel(kernel, { x: phases, dy: dyPhases }, {
        strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC', filterShape: filter.shape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    }
    const dPhases = kind === 'conv2d'
      ? tf.conv2dTranspose(dyPhases, filter, phaseShape, 1, 'valid')
      : engine.runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy: dyPhases, filter }, {
        strides: [1, 1], pad: 'valid', dilations: [1, 1], inputShape: phaseShape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    const dxPadded = tf.batchToSpaceND(dPhases, blocks, noCrop) as tf.Tensor4D;
    return tf.slice(dxPadded, [0, top, left, 0], [n, h, w, c]);
  });
}

/**
 * dx of a stride-1 dilated convolution as ONE dilated convolution of dy with the filter rotated 180° (and,
 * for conv2d, its in/out channels swapped), padded by (k−1)·d − pad on each side: backends with native
 * dilation (XNNPACK on wasm) then skip the spaceToBatch / batchToSpace copies, which were 31 % of an
 * ERFNet training step on wasm. Returns null when the padding would be negative or a depthwise filter has
 * a channel multiplier > 1 (no single depthwise conv expresses that dx); the phase method runs instead.
 */
function dilatedInputGradientNative(
  kind: ConvKind, filter: tf.Tensor4D, dy: tf.Tensor4D, [dh, dw]: [number, number], [top, bottom, left, right]: number[],
): tf.Tensor4D | null {
  const [kh, kw, , m] = filter.shape;
  const eh = (kh - 1) * dh;
  const ew = (kw - 1) * dw;
  const pads = [eh - top!, eh - bottom!, ew - left!, ew - right!];
  if (pads.some((p) => p < 0) || (kind === 'depthwise' && m !== 1)) return null;
  const padding: tf.backend_util.ExplicitPadding = [[0, 0], [pads[0]!, pads[1]!], [pads[2]!, pads[3]!], [0, 0]];
  return tf.tidy(() => {
    const rotated = rotate180(filter);
    return kind === 'conv2d'
      ? tf.conv2d(dy, tf.transpose(rotated, [0, 1, 3, 2]) as tf.Tensor4D, 1, padding, 'NHWC', [dh, dw])
      : tf.depthwiseConv2d(dy, rotated, 1, padding, 'NHWC', [dh, dw]);
  });
}

/**
 * The filter turned 180° in its two spatial axes. Gathers whole [kw, C, M] / [C, M] slices in reversed order
 * rather than calling tf.reverse: wasm's Reverse moves one element at a time (2.4 ms for an ERFNet 3×1×128×128
 * filter, 10 % of its native training step), a gather copies kh·kw contiguous blocks; size-1 axes are skipped.
 */
function rotate180(filter: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    let out = filter;
    for (const axis of [0, 1]) {
      const k = filter.shape[axis]!;
      if (k > 1) out = tf.gather(out, tf.range(k - 1, -1, -1, 'int32'), axis);
    }
    return out === filter ? filter.clone() : out;
  });
}

function wrapGradient(kernelName: string, kind: ConvKind): tf.GradConfig {
  const original = tf.getGradient(kernelName);
  return {
    kernelName,
    inputsToSave: original?.inputsToSave ?? ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as unknown as ConvGradAttrs;
      const [dh, dw] = pair(a.dilations);
      if (dh === 1 && dw === 1 && original) return original.gradFunc(dy, saved, attrs);
      if (a.dataFormat === 'NCHW') throw new Error(`${kernelName} gradient: dilated NCHW is not supported`);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      return {
        x: () => dilatedConvGradient(kind, 'x', x, filter, dy as tf.Tensor4D, a),
        filter: () => dilatedConvGradient(kind, 'filter', x, filter, dy as tf.Tensor4D, a),
      };
    },
  };
}

let installed = false;

/** Installs the dilated-convolution gradients (idempotent; undilated convolutions keep tfjs's gradients). */
export function registerDilatedConvGradients(): void {
  if (installed) return;
  const configs = [wrapGradient(tf.Conv2D, 'conv2d'), wrapGradient(tf.DepthwiseConv2dNative, 'depthwise')];
  // tfjs warns when a gradient is overridden; the override is deliberate and delegates to the original.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    for (const c of configs) tf.registerGradient(c);
  } finally {
    console.warn = warn;
  }
  installed = true;
}
