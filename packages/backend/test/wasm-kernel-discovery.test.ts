import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../src/select-backend';

/**
 * The empirical search that produced WASM_TRAINING_KERNELS, kept as a regression test: run the gradient of
 * every op the shipped model families (U-Net, MobileNetV2, ENet, ERFNet, TransUNet) and the losses use, on
 * wasm, and require that no kernel is missing. Before GraphFlow's kernels, 9 of these failed with
 * "Kernel '…' not registered for backend 'wasm'" (Conv2DBackpropFilter, the depthwise pair,
 * UnsortedSegmentSum, Einsum) or tfjs's dilation refusal (on every backend; GraphFlow adds those gradients).
 */
const x = () => tf.randomNormal([1, 9, 9, 4], 0, 1, 'float32', 1);
const r = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
const OPS: Record<string, () => tf.Tensor | tf.Tensor[]> = {
  'conv2d s1/s2, 1×3, 3×1': () => tf.grads((a, w) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').sum().add(tf.conv2d(a as tf.Tensor4D, tf.slice(w!, [0, 0, 0, 0], [1, 3, 4, 5]) as tf.Tensor4D, 1, 'same').sum()))([x(), r([3, 3, 4, 5], 2)]),
  'dilated conv2d (ENet, ERFNet)': () => tf.grads((a, w) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2).sum())([x(), r([3, 1, 4, 4], 2)]),
  'conv2dTranspose (U-Net up)': () => tf.grads((a, w) => tf.conv2dTranspose(a as tf.Tensor4D, w as tf.Tensor4D, [1, 18, 18, 3], 2, 'same').sum())([x(), r([2, 2, 3, 4], 2)]),
  'depthwise + relu6 + residual (MobileNetV2)': () => tf.grads((a, w) => tf.add(a!, tf.relu6(tf.depthwiseConv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'))).sum())([x(), r([3, 3, 4, 1], 2)]),
  'separable conv': () => tf.grads((a, w, p) => tf.separableConv2d(a as tf.Tensor4D, w as tf.Tensor4D, p as tf.Tensor4D, 1, 'same').sum())([x(), r([3, 3, 4, 1], 2), r([1, 1, 4, 6], 3)]),
  // With scale and offset: tfjs 4.22's batch-norm gradient crashes on every backend when they are omitted.
  'batch norm with batch moments': () => tf.grads((a, g, b) => { const m = tf.moments(a!, [0, 1, 2]); return tf.batchNorm(a!, m.mean, m.variance, b!, g!, 1e-3).square().sum(); })([x(), r([4], 2), r([4], 3)]),
  'prelu, elu, leaky relu, sigmoid, tanh': () => tf.grads((a, al) => tf.prelu(a!, al!).add(tf.elu(a!)).add(tf.leakyRelu(a!, 0.1)).add(tf.sigmoid(a!)).add(tf.tanh(a!)).sum())([x(), r([4], 2)]),
  'max/avg pool, 3×3 s2 same pool': () => tf.grads((a) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid').sum().add(tf.avgPool(a as tf.Tensor4D, 3, 2, 'same').sum()))([x()]),
  'spatial dropout (ENet)': () => tf.grads((a) => tf.dropout(a!, 0.3, [1, 1, 1, 4], 5).sum())([x()]),
  'concat, pad, slice, tile, resize': () => tf.grads((a) => tf.concat([a!, tf.pad(tf.slice(a!, [0, 1, 1, 0], [1, 7, 7, 4]), [[0, 0], [1, 1], [1, 1], [0, 0]])], 3).sum().add(tf.image.resizeBilinear(a as tf.Tensor4D, [18, 18]).sum()).add(tf.tile(a!, [1, 2, 1, 1]).sum()))([x()]),
  'softmax cross-entropy, log-softmax, sigmoid CE': () => tf.grads((a) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.zeros([1, 9, 9], 'int32'), 4), a!).add(tf.logSoftmax(a!).sum()).add(tf.losses.sigmoidCrossEntropy(tf.onesLike(a!), a!)))([x()]),
  'attention: batched matMul, softmax, layer norm, GELU (TransUNet)': () => tf.grads((q, k) => {
    const att = tf.softmax(tf.matMul(q!, k!, false, true).div(Math.sqrt(8)));
    const h = tf.matMul(att, k!);
    const { mean, variance } = tf.moments(h, -1, true);
    const ln = h.sub(mean).mul(tf.rsqrt(variance.add(1e-5)));
    return ln.mul(tf.erf(ln.div(Math.SQRT2)).add(1)).mul(0.5).sum();
  })([r([2, 5, 8], 2), r([2, 5, 8], 3)]),
  'gather / embedding': () => tf.grads((a) => tf.gather(a!, tf.tensor1d([0, 2, 2], 'int32')).sum())([r([4, 3], 2)]),
  // Forward only: tfjs 4.22 registers no Einsum gradient on any backend (models must use matMul to train).
  'einsum (forward)': () => tf.einsum('bij,bjk->bik', r([2, 3, 4], 2), r([2, 4, 5], 3)),
  'Adam and momentum updates': () => {
    const v = tf.variable(r([3, 3], 2));
    tf.train.adam(1e-3).minimize(() => v.square().sum());
    tf.train.momentum(1e-3, 0.9).minimize(() => v.square().sum());
    const out = v.clone();
    v.dispose();
    return out;
  },
};

describe('every training op of the shipped model families runs its gradient on wasm', () => {
  before(async () => {
    await activateBackend('wasm', { threads: 2 });
  });
  for (const [name, fn] of Object.entries(OPS)) {
    it(name, async () => {
      const out = tf.tidy(fn);
      const list = Array.isArray(out) ? out : [out];
      for (const t of list) {
        const values = await t.data();
        assert.ok(values.length > 0 && Array.from(values).every(Number.isFinite), `${name}: non-finite gradient`);
      }
      tf.dispose(list);
    });
  }
});
