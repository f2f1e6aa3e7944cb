import * as tf from '@tensorflow/tfjs';
import { LayersSegmentationModel } from '../networks/layers-segmentation-model';
import { conventionalTapDefaults, sidesMultipleOf, type SymbolicTap } from '../networks/network-graph';

export interface TinyNetworkOptions {
  inChannels: number;
  numClasses: number;
  /** Channels of `enc1`; the bottleneck has twice as many (default 4). */
  width?: number;
  /** Seeds the weight initializers, so two networks with the same seed start identical (default 1). */
  seed?: number;
  architecture?: string;
}

/**
 * A two-level encoder–decoder with batch norm for tests that need a real network (a loss's bind context, a stage's model), small
 * enough for the `cpu` backend. Input [N,H,W,inChannels], H and W even → logits [N,H,W,numClasses].
 * Taps: enc1 [N,H,W,width], bottleneck [N,H/2,W/2,2·width], dec1 [N,H,W,width].
 */
export function tinyNetwork(o: TinyNetworkOptions): LayersSegmentationModel {
  const width = o.width ?? 4;
  let seed = o.seed ?? 1;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const conv = (filters: number, name: string, kernelSize = 3) => tf.layers.conv2d({ filters, kernelSize, padding: 'same', kernelInitializer: init(), name });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [null, null, o.inChannels], name: 'image' });
  const bn = (name: string) => tf.layers.batchNormalization({ axis: -1, name });
  const enc1 = apply(tf.layers.reLU({ name: 'enc1_relu' }), apply(bn('enc1_bn'), apply(conv(width, 'enc1_conv'), input)));
  const pooled = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1' }), enc1);
  const bottleneck = apply(tf.layers.reLU({ name: 'bottleneck_relu' }), apply(bn('bottleneck_bn'), apply(conv(2 * width, 'bottleneck_conv'), pooled)));
  const up = apply(tf.layers.upSampling2d({ size: [2, 2], name: 'up1' }), bottleneck);
  const merged = apply(tf.layers.concatenate({ axis: -1, name: 'concat1' }), [enc1, up]);
  const dec1 = apply(tf.layers.reLU({ name: 'dec1_relu' }), apply(conv(width, 'dec1_conv'), merged));
  const logits = apply(conv(o.numClasses, 'head', 1), dec1);
  const taps: SymbolicTap[] = [
    { info: { name: 'enc1', channels: width, stride: 1, role: 'encoder' }, tensor: enc1 },
    { info: { name: 'bottleneck', channels: 2 * width, stride: 2, role: 'bottleneck' }, tensor: bottleneck },
    { info: { name: 'dec1', channels: width, stride: 1, role: 'decoder' }, tensor: dec1 },
  ];
  return new LayersSegmentationModel({ architecture: o.architecture ?? 'test/tiny-network', input, logits, taps, tapDefaults: conventionalTapDefaults(taps), inputSize: sidesMultipleOf(2) });
}
