import * as tf from '@tensorflow/tfjs';
import type { CountsMacs } from '../model/model-size';

export interface DilatedConv2DArgs {
  filters: number;
  kernelSize: [number, number];
  dilationRate: [number, number];
  useBias: boolean;
  name?: string;
  trainable?: boolean;
}

/**
 * A stride-1 'same' convolution with dilation, computed as space-to-batch → undilated 'valid' conv →
 * batch-to-space (how TensorFlow implements atrous convolution). tfjs' Conv2D computes dilated convolutions
 * forward but has no gradient for them ("dilation rates greater than 1 are not yet supported in gradients");
 * these three ops all have gradients. Output equals Conv2D with the same dilation bit for bit, so `save`
 * writes it as a standard `Conv2D` (see PORTABLE_CLASS_NAMES) and saved students load with plain tfjs.
 * [N,H,W,Cin] → [N,H,W,filters].
 */
export class DilatedConv2D extends tf.layers.Layer implements CountsMacs {
  static className = 'GraphFlowDilatedConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly dilationRate: [number, number];
  readonly useBias: boolean;
  private kernel!: tf.LayerVariable;
  private bias: tf.LayerVariable | null = null;

  constructor(args: DilatedConv2DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.dilationRate = args.dilationRate;
    this.useBias = args.useBias;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inC = shape[shape.length - 1] as number;
    this.kernel = this.addWeight('kernel', [...this.kernelSize, inC, this.filters], 'float32', tf.initializers.heNormal({}));
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      const [rh, rw] = this.dilationRate;
      const [kh, kw] = this.kernelSize;
      const [, h, w] = x.shape;
      // 'same' padding of the dilated kernel, plus extra rows/cols so each side is divisible by its rate.
      const padH = rh * (kh - 1);
      const padW = rw * (kw - 1);
      const extraH = (rh - ((h + padH) % rh)) % rh;
      const extraW = (rw - ((w + padW) % rw)) % rw;
      const top = Math.floor(padH / 2);
      const left = Math.floor(padW / 2);
      const grids = tf.spaceToBatchND(x, [rh, rw], [[top, padH - top + extraH], [left, padW - left + extraW]]);
      const conv = tf.conv2d(grids as tf.Tensor4D, this.kernel.read() as tf.Tensor4D, 1, 'valid');
      let y = tf.batchToSpaceND(conv, [rh, rw], [[0, extraH], [0, extraW]]);
      if (this.bias) y = tf.add(y, this.bias.read());
      return y;
    });
  }

  countMacs(inputShapes: number[][], outputShape: number[]): number {
    const input = inputShapes[0]!;
    const spatial = outputShape.slice(1, -1).reduce((a, b) => a * b, 1);
    return spatial * this.filters * this.kernelSize[0] * this.kernelSize[1] * input[input.length - 1]!;
  }

  /** Config readable both by this class and by the built-in Conv2D (the portable form). */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: [1, 1],
      padding: 'same',
      dataFormat: 'channelsLast',
      dilationRate: this.dilationRate,
      activation: 'linear',
      useBias: this.useBias,
    };
  }
}

tf.serialization.registerClass(DilatedConv2D);
