import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { invertedResidual } from '../src/blocks/inverted-residual';
import { enetInitialBlock } from '../src/blocks/enet-initial-block';
import { enetBottleneck } from '../src/blocks/enet-bottleneck';
import { nonBottleneck1d, erfnetDownsampler } from '../src/blocks/erfnet-blocks';
import { zeroPadChannels } from '../src/blocks/channel-zero-pad';
import { describeModelSize } from '@graphflow/core';
import { DilatedConv2D } from '../src/layers/dilated-conv2d';
import { PORTABLE_CLASS_NAMES } from '../src/layers/portable-class-names';
import { transformerLayer } from '../src/blocks/transformer-layer';
import type { Sym } from '../src/blocks/symbolic';
import { useCpu } from './backbone-contract';

function blockModel(channels: number, block: (x: Sym) => Sym): tf.LayersModel {
  const input = tf.input({ shape: [null as unknown as number, null as unknown as number, channels] });
  return tf.model({ inputs: input, outputs: block(input) });
}

test('inverted residual (4 → 4, t = 2, stride 1): hand-computed parameters, residual add, linear projection', async () => {
  await useCpu();
  const m = blockModel(4, (x) => invertedResidual(x, { filters: 4, expansion: 2, strides: 1, norm: 'batch', name: 'ir' }));
  // expand 1·1·4·8 + BN 4·8; depthwise 3·3·8 + BN 4·8; project 1·1·8·4 + BN 4·4
  assert.equal(m.countParams(), 32 + 32 + 72 + 32 + 32 + 16);
  assert.ok(m.layers.some((l) => l.getClassName() === 'Add'), 'residual when stride 1 and channels match');
  assert.ok(m.layers.some((l) => l.getClassName() === 'DepthwiseConv2D'));
  assert.equal(m.layers.filter((l) => l.getClassName() === 'ReLU').length, 2, 'no activation after the projection');
  // MACs at 4×4: expand 16·8·4, depthwise 16·8·9, project 16·4·8
  assert.equal(describeModelSize(m, 4, 4).macs, 512 + 1152 + 512);
  const strided = blockModel(4, (x) => invertedResidual(x, { filters: 8, expansion: 6, strides: 2, norm: 'batch', name: 'ir' }));
  assert.ok(!strided.layers.some((l) => l.getClassName() === 'Add'));
  assert.deepEqual(strided.outputs[0]!.shape, [null, null, null, 8]);
  m.dispose();
  strided.dispose();
});

test('ENet initial block: 3×3 stride-2 conv ∥ max-pool, concatenated (hand-computed parameters)', async () => {
  await useCpu();
  const m = blockModel(1, (x) => enetInitialBlock(x, 16, 'init'));
  // conv 3·3·1·15 (no bias), BN 4·16, PReLU 16
  assert.equal(m.countParams(), 135 + 64 + 16);
  const x = tf.randomUniform([1, 8, 8, 1], 0, 1, 'float32', 1);
  const y = m.predict(x) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 4, 4, 16]);
  tf.dispose([x, y]);
  m.dispose();
});

test('ENet bottlenecks: asymmetric uses 5×1 and 1×5, dilated uses the rate, down-sampling halves and pads channels', async () => {
  await useCpu();
  const asym = blockModel(16, (x) => enetBottleneck(x, { filters: 16, kind: { type: 'asymmetric', kernel: 5 }, dropout: 0.1, activation: 'prelu', name: 'b' }));
  const kernels = asym.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => (l.getConfig() as { kernelSize: number[] }).kernelSize.join('x'));
  assert.deepEqual(kernels, ['1x1', '5x1', '1x5', '1x1']);
  // reduce 16·4 + BN 16 + PReLU 4; 5×1 4·4·5; 1×5 4·4·5 + BN 16 + PReLU 4; expand 4·16 + BN 64; output PReLU 16
  assert.equal(asym.countParams(), 64 + 16 + 4 + 80 + 80 + 16 + 4 + 64 + 64 + 16);
  const dil = blockModel(16, (x) => enetBottleneck(x, { filters: 16, kind: { type: 'dilated', dilation: 4 }, dropout: 0, activation: 'prelu', name: 'b' }));
  assert.ok(dil.layers.some((l) => (l.getConfig() as { dilationRate?: number[] | number }).dilationRate?.toString() === '4,4'));
  const down = blockModel(16, (x) => enetBottleneck(x, { filters: 64, kind: { type: 'downsampling' }, dropout: 0, activation: 'prelu', name: 'b' }));
  const x = tf.randomUniform([1, 8, 8, 16]);
  const y = down.predict(x) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 4, 4, 64]);
  tf.dispose([x, y]);
  [asym, dil, down].forEach((m) => m.dispose());
});

test('zero channel padding keeps the input channels and appends zeros', async () => {
  await useCpu();
  const m = blockModel(2, (x) => zeroPadChannels(x, 5, 'pad'));
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
  const y = m.predict(x) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 2, 2, 5]);
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 0, 0, 0, 3, 4, 0, 0, 0, 5, 6, 0, 0, 0, 7, 8, 0, 0, 0]);
  assert.equal(m.countParams(), 0);
  tf.dispose([x, y]);
  m.dispose();
});

test('ERFNet non-bottleneck-1D (C = 4) and down-sampler: hand-computed parameters and factorized kernels', async () => {
  await useCpu();
  const nb = blockModel(4, (x) => nonBottleneck1d(x, 2, 0.3, 'nb'));
  // four factorized convs 3·4·4 + 4 bias, two BN 4·4
  assert.equal(nb.countParams(), 4 * (48 + 4) + 2 * 16);
  const convs = nb.layers.filter((l) => /Conv2D$/.test(l.getClassName())).map((l) => {
    const c = l.getConfig() as { kernelSize: number[]; dilationRate: number[] };
    return `${c.kernelSize.join('x')}@${c.dilationRate.join(',')}`;
  });
  assert.deepEqual(convs, ['3x1@1,1', '1x3@1,1', '3x1@2,1', '1x3@1,2']);
  const down = blockModel(1, (x) => erfnetDownsampler(x, 16, 'd'));
  // conv 3·3·1·15 + 15 bias, BN 4·16
  assert.equal(down.countParams(), 135 + 15 + 64);
  nb.dispose();
  down.dispose();
});

test('dilated conv: equals the built-in dilated Conv2D bit for bit, has gradients, and saves as Conv2D', async () => {
  await useCpu();
  for (const [rate, kernel, size] of [[[2, 2], [3, 3], [7, 5]], [[4, 1], [3, 1], [6, 5]], [[1, 16], [1, 3], [4, 4]]] as [number, number][][]) {
    const layer = new DilatedConv2D({ filters: 3, kernelSize: kernel as [number, number], dilationRate: rate as [number, number], useBias: true, name: 'dil' });
    const m = blockModel(2, (x) => layer.apply(x) as Sym);
    const [k] = layer.getWeights();
    const bias = tf.randomNormal([3], 0, 1, 'float32', 5);
    layer.setWeights([k!, bias]);
    bias.dispose();
    const x = tf.randomNormal([2, size![0]!, size![1]!, 2], 0, 1, 'float32', 9) as tf.Tensor4D;
    const got = m.predict(x) as tf.Tensor;
    const [kernelW, biasW] = layer.getWeights();
    const want = tf.conv2d(x, kernelW as tf.Tensor4D, 1, 'same', 'NHWC', rate as [number, number]).add(biasW!);
    assert.deepEqual(got.dataSync(), want.dataSync(), `rate ${rate} kernel ${kernel}`);
    const { value, grads } = tf.variableGrads(() => (m.apply(x) as tf.Tensor).square().mean() as tf.Scalar, m.trainableWeights.map((w) => w.read() as tf.Variable));
    assert.equal(Object.keys(grads).length, 2);
    assert.ok(Object.values(grads).every((g) => g.abs().sum().dataSync()[0]! > 0));
    tf.dispose([x, got, want, value, ...Object.values(grads)]);
    m.dispose();
  }
  assert.equal(PORTABLE_CLASS_NAMES['GraphFlowDilatedConv2D'], 'Conv2D');
});

test('transformer layer (D = 8, 2 heads, MLP ×2): hand-computed parameters and MACs, shape preserved', async () => {
  await useCpu();
  const m = blockModel(8, (x) => transformerLayer(x, { heads: 2, mlpRatio: 2, dropout: 0.1, name: 't' }));
  // LN 2·8, attention 288, LN 2·8, MLP 8·16 + 16 and 16·8 + 8
  assert.equal(m.countParams(), 16 + 288 + 16 + 144 + 136);
  // 2×2 grid (T = 4): attention 4·T·D² + 2·T²·D = 1280, MLP 4·8·16 + 4·16·8 = 1024
  assert.equal(describeModelSize(m, 2, 2).macs, 1280 + 1024);
  const x = tf.randomNormal([1, 3, 5, 8]);
  const y = m.predict(x) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 3, 5, 8]);
  assert.ok(m.layers.some((l) => (l.getConfig() as { activation?: string }).activation === 'gelu'));
  tf.dispose([x, y]);
  m.dispose();
});
