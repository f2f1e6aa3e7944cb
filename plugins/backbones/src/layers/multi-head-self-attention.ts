import * as tf from '@tensorflow/tfjs';
import type { CountsAttentionScores, CountsMacs } from '@graphflow/core';

export interface MultiHeadSelfAttentionArgs {
  heads: number;
  name?: string;
  trainable?: boolean;
}

/**
 * Multi-head self-attention over the positions of a feature map (Vaswani et al. 2017), as in ViT/TransUNet:
 * softmax(Q·Kᵀ/√d_h)·V per head, with a fused Q/K/V projection and an output projection.
 * Works on the map directly so the functional graph needs no reshape with a static token count:
 * [N,h,w,D] → tokens [N,h·w,D] → attention → [N,h,w,D]. D must be divisible by `heads`.
 */
export class MultiHeadSelfAttention extends tf.layers.Layer implements CountsMacs, CountsAttentionScores {
  static className = 'GraphFlowMultiHeadSelfAttention';
  readonly heads: number;
  private qkvKernel!: tf.LayerVariable;
  private qkvBias!: tf.LayerVariable;
  private outKernel!: tf.LayerVariable;
  private outBias!: tf.LayerVariable;

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    this.heads = args.heads;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const dim = shape[shape.length - 1];
    if (typeof dim !== 'number' || dim % this.heads !== 0) {
      throw new Error(`${this.name}: embedding size ${dim} is not divisible by ${this.heads} heads`);
    }
    this.qkvKernel = this.addWeight('qkv_kernel', [dim, 3 * dim], 'float32', tf.initializers.glorotUniform({}));
    this.qkvBias = this.addWeight('qkv_bias', [3 * dim], 'float32', tf.initializers.zeros());
    this.outKernel = this.addWeight('out_kernel', [dim, dim], 'float32', tf.initializers.glorotUniform({}));
    this.outBias = this.addWeight('out_bias', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      const [n, h, w, d] = x.shape;
      const t = h * w;
      const dh = d / this.heads;
      const qkv = tf.add(tf.matMul(x.reshape([n * t, d]), this.qkvKernel.read()), this.qkvBias.read());
      // [N·T, D] slice → [N, heads, T, d_h] → [N·heads, T, d_h]
      const split = (i: number): tf.Tensor3D =>
        qkv.slice([0, i * d], [n * t, d]).reshape([n, t, this.heads, dh]).transpose([0, 2, 1, 3]).reshape([n * this.heads, t, dh]);
      const scores = tf.matMul(split(0), split(1), false, true).mul(1 / Math.sqrt(dh));
      const context = tf.matMul(tf.softmax(scores), split(2)); // [N·heads, T, d_h]
      const merged = context.reshape([n, this.heads, t, dh]).transpose([0, 2, 1, 3]).reshape([n * t, d]);
      return tf.add(tf.matMul(merged, this.outKernel.read()), this.outBias.read()).reshape([n, h, w, d]);
    });
  }

  /** Q/K/V and output projections 4·T·D², scores and weighted sum 2·T²·D, per image. */
  countMacs(_inputShapes: number[][], outputShape: number[]): number {
    const [, h, w, d] = outputShape as [number, number, number, number];
    const t = h * w;
    return 4 * t * d * d + 2 * t * t * d;
  }

  /** heads × T² score elements per image: the scores and their softmax live until backprop, with their gradients. */
  countAttentionScores(outputShape: number[]): number {
    const [, h, w] = outputShape as [number, number, number, number];
    return this.heads * (h * w) ** 2;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads };
  }
}

tf.serialization.registerClass(MultiHeadSelfAttention);
