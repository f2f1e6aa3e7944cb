import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '@graphflow/core';

/**
 * The reference U-Net, kept EXACTLY so results stay comparable over time (python/unet_bench.py is
 * its PyTorch twin): input 1×S×S, 2 classes; 4 levels with base B channels doubling per level
 * (B, 2B, 4B, 8B); each level two 3×3 convs (same padding) each followed by batch norm and ReLU;
 * 2×2 max-pool down; 2×2 stride-2 transposed conv up, concatenated with the skip, then the two-conv block;
 * 1×1 conv head. Convs before batch norm have no bias (BN's shift makes it redundant), in both twins.
 *
 * forward: images [N, S, S, 1] → logits [N, S, S, 2]. S must be divisible by 8.
 */
export interface UNetConfig {
  size: number;
  base: number;
  batch: number;
  inChannels: number;
  classes: number;
  levels: number;
}

export const REFERENCE_UNET: UNetConfig = { size: 128, base: 16, batch: 4, inChannels: 1, classes: 2, levels: 4 };

interface ConvBn {
  w: tf.Variable;
  gamma: tf.Variable;
  beta: tf.Variable;
  /** Running statistics used by the inference pass. */
  mean: tf.Variable;
  variance: tf.Variable;
}

export interface UNet {
  config: UNetConfig;
  forward(images: tf.Tensor4D, training: boolean): tf.Tensor4D;
  trainableVariables(): tf.Variable[];
  dispose(): void;
}

const BN_EPSILON = 1e-5;

export function buildReferenceUNet(config: UNetConfig, seed = 1): UNet {
  if (config.size % 2 ** (config.levels - 1) !== 0) throw new Error(`--size must be divisible by ${2 ** (config.levels - 1)}`);
  let nextSeed = seed;
  const all: tf.Variable[] = [];
  const variable = (t: tf.Tensor, trainable = true): tf.Variable => {
    const v = tf.variable(t, trainable);
    all.push(v);
    return v;
  };
  // He-normal init as PyTorch's kaiming for ReLU nets; exact values do not matter for timing.
  const he = (shape: number[], fanIn: number) => variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', nextSeed++));
  const convBn = (cin: number, cout: number): ConvBn => ({
    w: he([3, 3, cin, cout], 9 * cin),
    gamma: variable(tf.ones([cout])),
    beta: variable(tf.zeros([cout])),
    mean: variable(tf.zeros([cout]), false),
    variance: variable(tf.ones([cout]), false),
  });
  const widths = Array.from({ length: config.levels }, (_, i) => config.base * 2 ** i);
  const down = widths.map((w, i) => [convBn(i === 0 ? config.inChannels : widths[i - 1]!, w), convBn(w, w)] as const);
  const up = widths.slice(0, -1).map((w, i) => ({
    // conv2dTranspose filters are [kh, kw, outChannels, inChannels].
    upW: he([2, 2, w, widths[i + 1]!], 4 * widths[i + 1]!),
    upB: variable(tf.zeros([w])),
    block: [convBn(2 * w, w), convBn(w, w)] as const,
  }));
  const headW = he([1, 1, config.base, config.classes], config.base);
  const headB = variable(tf.zeros([config.classes]));

  const applyConvBn = (x: tf.Tensor4D, p: ConvBn, training: boolean): tf.Tensor4D => {
    const y = tf.conv2d(x, p.w as tf.Tensor4D, 1, 'same');
    // GraphFlow's training batch norm, as the backbones use it: tf.moments + tf.batchNorm except where the backend
    // fuses it (native). Running statistics are not updated: the timing does not depend on them.
    if (training) return tf.relu(batchNormTraining(y, p.gamma as tf.Tensor1D, p.beta as tf.Tensor1D, BN_EPSILON).y) as tf.Tensor4D;
    return tf.relu(tf.batchNorm(y, p.mean, p.variance, p.beta, p.gamma, BN_EPSILON)) as tf.Tensor4D;
  };

  return {
    config,
    forward(images, training) {
      const skips: tf.Tensor4D[] = [];
      let x = images;
      down.forEach(([a, b], level) => {
        x = applyConvBn(applyConvBn(x, a, training), b, training);
        if (level < config.levels - 1) {
          skips.push(x);
          x = tf.maxPool(x, 2, 2, 'valid');
        }
      });
      for (let level = config.levels - 2; level >= 0; level--) {
        const u = up[level]!;
        const skip = skips[level]!;
        const upsampled = tf.add(tf.conv2dTranspose(x, u.upW as tf.Tensor4D, [skip.shape[0], skip.shape[1], skip.shape[2], u.upB.shape[0]!], 2, 'valid'), u.upB) as tf.Tensor4D;
        x = tf.concat([upsampled, skip], 3);
        x = applyConvBn(applyConvBn(x, u.block[0], training), u.block[1], training);
      }
      return tf.add(tf.conv2d(x, headW as tf.Tensor4D, 1, 'valid'), headB) as tf.Tensor4D;
    },
    trainableVariables: () => all.filter((v) => v.trainable),
    dispose: () => tf.dispose(all),
  };
}

/**
 * Multiply-add FLOPs (×2) of one forward pass, convolutions and transposed convolutions only (batch norm,
 * ReLU, pooling and softmax add < 2 %). A training step is counted as 3× forward (forward, input gradient,
 * filter gradient), the usual convention, so GFLOP/s figures are comparable across backends and PyTorch.
 */
export function forwardFlops(c: UNetConfig): number {
  const widths = Array.from({ length: c.levels }, (_, i) => c.base * 2 ** i);
  const conv = (hw: number, k: number, cin: number, cout: number) => 2 * c.batch * hw * hw * k * k * cin * cout;
  let flops = 0;
  widths.forEach((w, level) => {
    const hw = c.size / 2 ** level;
    flops += conv(hw, 3, level === 0 ? c.inChannels : widths[level - 1]!, w) + conv(hw, 3, w, w);
    if (level < c.levels - 1) {
      flops += 2 * c.batch * (hw / 2) ** 2 * widths[level + 1]! * w * 4; // transposed conv from level+1
      flops += conv(hw, 3, 2 * w, w) + conv(hw, 3, w, w);
    }
  });
  return flops + conv(c.size, 1, c.base, c.classes);
}

export function parameterCount(net: UNet): number {
  return net.trainableVariables().reduce((n, v) => n + v.size, 0);
}
