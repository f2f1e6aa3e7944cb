import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildTransUNet, type TransUNetOptions } from '../src/networks/transunet';
import { LayersSegmentationModel, describeModelSize } from '@graphflow/core';
import { MultiHeadSelfAttention } from '../src/layers/multi-head-self-attention';
import { PositionEmbedding2D } from '../src/layers/position-embedding-2d';
import { transUNetRules } from '../src/components/transunet-component';
import { backboneContract, useCpu } from './backbone-contract';

const tiny: TransUNetOptions = {
  inChannels: 1, numClasses: 2, baseWidth: 4, convStages: 2, embedDim: 8, heads: 2, layers: 1,
  patchSize: 1, mlpRatio: 2, imageSize: 16, dropout: 0, norm: 'batch', upsampling: 'bilinear',
};

backboneContract({
  label: 'transunet (patch 1)',
  create: () => new LayersSegmentationModel(buildTransUNet(tiny)),
  // 16×32 and 8×24 make the position embedding (learned on a 4×4 grid) resize.
  sizes: [[16, 16], [16, 32], [8, 24]],
  invalidSize: [18, 16],
  trainSize: [16, 16],
  standalone: true, // loadable by tf.loadLayersModel in-process because the custom layers are registered
});

backboneContract({
  label: 'transunet (patch 2, transpose, 2 layers)',
  create: () => new LayersSegmentationModel(buildTransUNet({ ...tiny, patchSize: 2, layers: 2, upsampling: 'transpose', dropout: 0.1 })),
  sizes: [[16, 24]],
  invalidSize: [20, 16],
  trainSize: [16, 16],
  standalone: true,
});

function singleLayerModel(layer: tf.layers.Layer, shape: number[]): tf.LayersModel {
  const input = tf.input({ shape });
  return tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
}

test('multi-head self-attention: parameter and MAC counts match a hand computation, and it equals a reference computation', async () => {
  await useCpu();
  const model = singleLayerModel(new MultiHeadSelfAttention({ heads: 2, name: 'mhsa' }), [null as unknown as number, null as unknown as number, 8]);
  // qkv 8·24 + 24, out 8·8 + 8
  assert.equal(model.countParams(), 288);
  // 2×2 grid, T = 4, D = 8: 4·T·D² + 2·T²·D
  assert.equal(describeModelSize(model, 2, 2).macs, 4 * 4 * 64 + 2 * 16 * 8);
  const x = tf.randomNormal([1, 2, 2, 8], 0, 1, 'float32', 3) as tf.Tensor4D;
  const got = model.predict(x) as tf.Tensor;
  // Reference: per-head attention written out without the layer's reshapes.
  const [qkvK, qkvB, outK, outB] = model.getLayer('mhsa').getWeights();
  const want = tf.tidy(() => {
    const tokens = x.reshape([4, 8]);
    const qkv = tokens.matMul(qkvK!).add(qkvB!);
    const heads = [0, 1].map((h) => {
      const q = qkv.slice([0, h * 4], [4, 4]);
      const k = qkv.slice([0, 8 + h * 4], [4, 4]);
      const v = qkv.slice([0, 16 + h * 4], [4, 4]);
      return tf.softmax(q.matMul(k, false, true).div(2)).matMul(v);
    });
    return tf.concat(heads, 1).matMul(outK!).add(outB!).reshape([1, 2, 2, 8]);
  });
  const err = tf.tidy(() => tf.sub(got, want).abs().max().dataSync()[0]!);
  assert.ok(err < 1e-5, `max error ${err}`);
  tf.dispose([x, got, want]);
  model.dispose();
});

test('position embedding: added as-is on its own grid, bilinearly resized on others', async () => {
  await useCpu();
  const layer = new PositionEmbedding2D({ gridHeight: 2, gridWidth: 2, name: 'pos' });
  const model = singleLayerModel(layer, [null as unknown as number, null as unknown as number, 3]);
  assert.equal(model.countParams(), 2 * 2 * 3);
  const pos = layer.getWeights()[0]!;
  const same = model.predict(tf.zeros([1, 2, 2, 3])) as tf.Tensor;
  assert.deepEqual(same.dataSync(), pos.dataSync());
  const bigger = model.predict(tf.zeros([1, 4, 6, 3])) as tf.Tensor;
  assert.deepEqual(bigger.shape, [1, 4, 6, 3]);
  const expected = tf.image.resizeBilinear(pos as tf.Tensor4D, [4, 6], true);
  assert.deepEqual(bigger.dataSync(), expected.dataSync());
  tf.dispose([same, bigger, expected]);
  model.dispose();
});

test('transunet rules: embedDim not divisible by heads and a bad imageSize are reported with pointers', () => {
  const bad = transUNetRules({ ...tiny, embedDim: 100, heads: 8, imageSize: 18 });
  assert.deepEqual(bad.map((p) => p.pointer), ['/heads', '/imageSize']);
  assert.match(bad[0]!.message, /100 is not divisible by heads 8/);
  assert.match(bad[1]!.message, /multiple of .* 4/);
  assert.deepEqual(transUNetRules(tiny), []);
});

test('layer summary: each self-attention layer reports heads × T² score elements, other layers none', () => {
  const model = new LayersSegmentationModel(buildTransUNet({ ...tiny, layers: 2 }));
  try {
    const layers = model.layerSummary(32, 32);
    const attention = layers.filter((l) => (l.attentionScores ?? 0) > 0);
    assert.equal(attention.length, 2, 'one per transformer layer');
    for (const l of attention) {
      const [, h, w] = l.outputShape as number[];
      assert.equal(l.attentionScores, tiny.heads * (h! * w!) ** 2);
    }
    assert.ok(layers.every((l) => l.outputShape[0] === 1 && l.macs >= 0));
  } finally {
    model.dispose();
  }
});
