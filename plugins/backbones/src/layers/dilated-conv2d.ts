import * as tf from '@tensorflow/tfjs';
import { dilatedConv2d, type CountsMacs } from '@graphflow/core';

export interface DilatedConv2DArgs {
  filters: number;
  kernelSize: [number, number];
  dilationRate: [number, number];
  useBias: boolean;
  name?: string;
  trainable?: boolean;
}

/**
 * A stride-1 'same' convolution with dilation, through core's `dilatedConv2d`: one dilated Conv2D kernel call,
 * differentiable on every backend (tfjs' Conv2D computes dilated convolutions forward but has no gradient for them;
 * core installs one). It is its own class rather than tf.layers' Conv2D because that one runs `tf.fused.conv2d`,
 * whose custom gradient refuses dilation. `save` writes it as a standard `Conv2D` (see PORTABLE_CLASS_NAMES), so
 * saved students load with plain tfjs.
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
      const y = dilatedConv2d(x, this.kernel.read() as tf.Tensor4D, this.dilationRate);
      return this.bias ? tf.add(y, this.bias.read()) : y;
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
