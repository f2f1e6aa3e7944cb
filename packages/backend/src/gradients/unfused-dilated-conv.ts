import * as tf from '@tensorflow/tfjs';

type FusedConvArgs = {
  x: tf.Tensor4D; filter: tf.Tensor4D; strides: number | [number, number]; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW'; dilations?: number | [number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil';
  bias?: tf.Tensor; activation?: string; preluActivationWeights?: tf.Tensor; leakyreluAlpha?: number;
};

function dilated(d: number | [number, number] | undefined): boolean {
  return d !== undefined && (typeof d === 'number' ? d > 1 : d[0] > 1 || d[1] > 1);
}

function activate(y: tf.Tensor4D, a: FusedConvArgs): tf.Tensor4D {
  switch (a.activation ?? 'linear') {
    case 'linear': return y;
    case 'relu': return tf.relu(y);
    case 'relu6': return tf.relu6(y);
    case 'elu': return tf.elu(y);
    case 'sigmoid': return tf.sigmoid(y);
    case 'leakyrelu': return tf.leakyRelu(y, a.leakyreluAlpha ?? 0.2) as tf.Tensor4D;
    case 'prelu': return tf.prelu(y, a.preluActivationWeights!) as tf.Tensor4D;
    default: throw new Error(`fused conv: unknown activation ${a.activation}`);
  }
}

let patched = false;

/**
 * tf.layers convolutions run `tf.fused.conv2d` / `tf.fused.depthwiseConv2d`, whose custom gradient refuses
 * dilation > 1 on every backend, so a tf.layers ENet/ERFNet could not train. For dilated calls only, route
 * them through the plain ops (conv + bias + activation), whose gradients GraphFlow provides; undilated calls
 * keep the fused path. Patches the shared `tf.fused` namespace object in place (idempotent).
 */
export function patchFusedDilatedConvs(): void {
  if (patched) return;
  const fused = tf.fused as unknown as Record<string, (args: FusedConvArgs) => tf.Tensor4D>;
  const conv = fused['conv2d']!;
  const depthwise = fused['depthwiseConv2d']!;
  fused['conv2d'] = (a) => {
    if (!dilated(a.dilations)) return conv(a);
    return tf.tidy(() => {
      const y = tf.conv2d(a.x, a.filter, a.strides, a.pad, a.dataFormat ?? 'NHWC', a.dilations, a.dimRoundingMode);
      return activate(a.bias ? tf.add(y, a.bias) : y, a);
    });
  };
  fused['depthwiseConv2d'] = (a) => {
    if (!dilated(a.dilations)) return depthwise(a);
    return tf.tidy(() => {
      const y = tf.depthwiseConv2d(a.x, a.filter, a.strides, a.pad, a.dataFormat ?? 'NHWC', a.dilations, a.dimRoundingMode);
      return activate(a.bias ? tf.add(y, a.bias) : y, a);
    });
  };
  patched = true;
}
