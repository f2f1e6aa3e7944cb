import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon } from '@graphflow/backend-native';
import { batchNormTraining, FUSED_ADAM_KERNEL, type FusedAdamAttrs } from '@graphflow/core';
import { activateBackend } from '../src/select-backend';
import { nativeKernelStats } from '../src/kernels/native/native-kernel';
import { checkAgainstCpu, KERNEL_CASES, valueAndGrads, type Case } from './support/kernel-cases';
import { randomData } from './support/compare-backends';

const load = loadNativeAddon();
// CI (GRAPHFLOW_REQUIRE_NATIVE=1) installs oneDNN first, so there a missing addon is a failure, not a skip.
if (!load.addon && process.env.GRAPHFLOW_REQUIRE_NATIVE === '1') throw new Error(`GRAPHFLOW_REQUIRE_NATIVE=1 but the native addon is unavailable: ${load.reason}`);
const skip = load.addon ? false : `native backend unavailable here (${load.reason}); scripts/install-system-deps.sh, then npm rebuild @graphflow/backend-native`;

const fused = (activation: tf.fused.Activation, depthwise = false): Case => ({
  name: `fused ${depthwise ? 'depthwise ' : ''}conv + bias + ${activation}`,
  shapes: depthwise ? [[2, 9, 8, 3], [3, 3, 3, 2], [6]] : [[2, 9, 8, 3], [3, 3, 3, 4], [4]],
  fn: (x, w, b) => {
    const op = (a: tf.Tensor, f: tf.Tensor, bias: tf.Tensor) =>
      depthwise
        ? tf.fused.depthwiseConv2d({ x: a as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 1, pad: 'same', bias, activation })
        : tf.fused.conv2d({ x: a as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 1, pad: 'same', bias, activation, leakyreluAlpha: 0.1 });
    const y = op(x!, w!, b!);
    const weights = tf.tensor(randomData(y.shape, 5), y.shape);
    return [y, ...tf.grads((a: tf.Tensor, f: tf.Tensor, bias: tf.Tensor) => op(a, f, bias).mul(weights).sum())([x!, w!, b!])];
  },
});

/** Cases only the native kernels see: dilation in the forward pass and fused bias + activation. */
const NATIVE_CASES: Case[] = [
  { name: 'dilated conv 3×3 d2 same (ERFNet)', shapes: [[2, 12, 11, 3], [3, 3, 3, 4]], fn: valueAndGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2)) },
  { name: 'dilated conv 3×1 d4 same', shapes: [[1, 16, 9, 4], [3, 1, 4, 4]], fn: valueAndGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', [4, 1])) },
  { name: 'dilated depthwise 3×3 d2 valid', shapes: [[1, 11, 12, 3], [3, 3, 3, 1]], fn: valueAndGrads((x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid', 'NHWC', 2)) },
  fused('linear'),
  fused('relu'),
  fused('relu6'),
  fused('leakyrelu'),
  fused('sigmoid'),
  fused('elu'),
  fused('relu', true),
  {
    name: 'batched matmul in all four transpose combinations, with gradients (attention)',
    shapes: [[3, 5, 4], [3, 4, 6]],
    fn: (a, b) => {
      const out: tf.Tensor[] = [];
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const x = ta ? a!.transpose([0, 2, 1]) : a!;
        const y = tb ? b!.transpose([0, 2, 1]) : b!;
        const op = (p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, ta, tb);
        const w = tf.tensor(randomData([3, 5, 6], 21), [3, 5, 6]);
        out.push(op(x, y), ...tf.grads((p: tf.Tensor, q: tf.Tensor) => op(p, q).mul(w).sum())([x, y]));
      }
      return out;
    },
  },
  {
    name: 'matmul 2-D, and a batch of 1 broadcast against a batch of 4',
    shapes: [[7, 9], [9, 3], [1, 7, 9], [4, 9, 3]],
    fn: (a, b, c, d) => [tf.matMul(a!, b!), tf.matMul(c!, d!), tf.matMul(d!, c!, true, true), ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q).square().sum())([a!, b!])],
  },
  {
    name: 'fused matmul + bias + activation (dense layers), 2-D and batched, with gradients',
    shapes: [[6, 5], [5, 4], [4], [2, 6, 5]],
    fn: (a, b, bias, c) => {
      const out: tf.Tensor[] = [];
      for (const activation of ['linear', 'relu', 'elu', 'sigmoid'] as tf.fused.Activation[]) {
        const op = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.fused.matMul({ a: p, b: q, bias: r, activation });
        out.push(op(a!, b!, bias!), op(c!, b!.expandDims(0), bias!), ...tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => op(p, q, r).square().sum())([a!, b!, bias!]));
      }
      out.push(tf.fused.matMul({ a: b!, b: a!, transposeA: true, transposeB: true, bias: tf.ones([6]), activation: 'relu' }));
      return out;
    },
  },
  {
    name: 'space-to-batch and batch-to-space (atrous convolution), with gradients, rates 2 and [4, 1]',
    shapes: [[2, 7, 6, 3]],
    fn: (x) => {
      const out: tf.Tensor[] = [];
      for (const [block, pads] of [[[2, 2], [[1, 2], [2, 0]]], [[4, 1], [[4, 1], [0, 0]]]] as [number[], number[][]][]) {
        const op = (a: tf.Tensor) => {
          const s = tf.spaceToBatchND(a as tf.Tensor4D, block, pads);
          return tf.batchToSpaceND(s.mul(s), block, pads);
        };
        out.push(tf.spaceToBatchND(x! as tf.Tensor4D, block, pads), op(x!), ...tf.grads((a: tf.Tensor) => op(a).mul(tf.tensor(randomData(x!.shape, 23), x!.shape)).sum())([x!]));
      }
      out.push(tf.batchToSpaceND(tf.spaceToBatchND(x!.greater(0).toInt() as tf.Tensor4D, [2, 2], [[1, 0], [0, 0]]), [2, 2], [[1, 0], [0, 0]]).toFloat());
      return out;
    },
  },
  {
    name: 'clip-by-value (relu6) gradient, values at and beyond both bounds',
    shapes: [[2, 6, 5, 4]],
    fn: (x) => {
      const v = x!.mul(8).add(tf.tensor([0, 6, -1, 3]).reshape([1, 1, 1, 4]));
      const w = tf.tensor(randomData(v.shape, 29), v.shape);
      return [tf.relu6(v), ...tf.grads((a: tf.Tensor) => tf.clipByValue(a, 0, 6).mul(w).sum())([v]), ...tf.grads((a: tf.Tensor) => tf.clipByValue(a, -0.5, 0.25).mul(w).sum())([v])];
    },
  },
  {
    name: 'max-pool gradient 2×2 s2 with ties after ReLU (U-Net)',
    shapes: [[2, 8, 10, 5]],
    fn: (x) => {
      const op = (a: tf.Tensor) => tf.maxPool(tf.relu(a) as tf.Tensor4D, 2, 2, 'valid');
      const w = tf.tensor(randomData([2, 4, 5, 5], 11), [2, 4, 5, 5]);
      return [op(x!), ...tf.grads((a: tf.Tensor) => op(a).mul(w).sum())([x!])];
    },
  },
  {
    name: 'max-pool gradient 3×3 s2 same, overlapping windows, odd size (ENet stem)',
    shapes: [[1, 9, 7, 20]],
    fn: (x) => {
      const op = (a: tf.Tensor) => tf.maxPool(tf.relu(a) as tf.Tensor4D, 3, 2, 'same');
      return [op(x!), ...tf.grads((a: tf.Tensor) => op(a).square().sum())([x!])];
    },
  },
  {
    name: 'concat and its gradient (split) on the channel axis, 3 inputs',
    shapes: [[2, 5, 4, 3], [2, 5, 4, 1], [2, 5, 4, 6]],
    fn: (a, b, c) => {
      const op = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.concat([x, y, z], 3);
      const w = tf.tensor(randomData([2, 5, 4, 10], 12), [2, 5, 4, 10]);
      return [op(a!, b!, c!), ...tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => op(x, y, z).mul(w).sum())([a!, b!, c!])];
    },
  },
  {
    name: 'transpose: ENet channel permute [0,3,2,1], rank 2, 3 and 5, int32 and bool, and its gradient',
    shapes: [[1, 6, 5, 7], [4, 9], [2, 3, 5], [2, 1, 3, 2, 4]],
    fn: (a, b, c, d) => [
      tf.transpose(a!, [0, 3, 2, 1]), tf.transpose(b!), tf.transpose(c!, [2, 0, 1]), tf.transpose(d!, [4, 2, 0, 3, 1]),
      tf.transpose(c!.mul(10).toInt(), [1, 2, 0]).toFloat(), tf.transpose(c!.greater(0), [2, 1, 0]).toFloat(),
      ...tf.grads((x: tf.Tensor) => tf.transpose(x, [0, 3, 2, 1]).mul(tf.tensor(randomData([1, 7, 5, 6], 31), [1, 7, 5, 6])).sum())([a!]),
    ],
  },
  {
    name: 'concat and split on inner and leading axes, int32 and bool',
    shapes: [[3, 2, 4], [3, 5, 4]],
    fn: (a, b) => [
      tf.concat([a!, b!], 1), tf.concat([a!, a!], 0), tf.concat([a!.toInt(), b!.toInt()], 1).toFloat(),
      tf.concat([a!.greater(0), b!.greater(0)], 1).toFloat(), ...tf.split(b!, [1, 3, 1], 1), ...tf.split(a!, 2, 2),
      ...tf.split(b!.toInt(), [2, 3], 1).map((t) => t.toFloat()),
    ],
  },
  {
    name: 'batch norm with given statistics (inference), with and without scale and offset',
    shapes: [[2, 6, 5, 7], [7], [7], [7], [7]],
    fn: (x, m, v, o, s) => {
      const variance = v!.abs().add(0.1);
      return [tf.batchNorm(x!, m!, variance, o!, s!, 1e-3), tf.batchNorm(x!, m!, variance, undefined, undefined, 1e-5), tf.batchNorm(x!, m!.mean(), variance.mean(), undefined, undefined, 1e-3)];
    },
  },
  {
    name: 'batch norm in training (moments of the batch) with its gradients',
    shapes: [[4, 6, 5, 3], [3], [3]],
    fn: (x, o, s) => {
      const op = (a: tf.Tensor, off: tf.Tensor, sc: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.batchNorm(a, mean, variance, off, sc, 1e-3);
      };
      const w = tf.tensor(randomData([4, 6, 5, 3], 13), [4, 6, 5, 3]);
      return [op(x!, o!, s!), ...tf.grads((a: tf.Tensor, off: tf.Tensor, sc: tf.Tensor) => op(a, off, sc).mul(w).sum())([x!, o!, s!])];
    },
  },
  {
    name: 'prelu per channel (ENet) and with one shared slope, values at 0, with both gradients',
    shapes: [[2, 6, 5, 4], [1, 1, 4], [3, 7]],
    fn: (x, a, z) => {
      const v = x!.mul(tf.tensor([1, 0, 1, 1]).reshape([1, 1, 1, 4])); // a channel of exact zeros
      const w = tf.tensor(randomData(v.shape, 41), v.shape);
      const alpha = a!.mul(0.3);
      const op = (p: tf.Tensor, q: tf.Tensor) => tf.prelu(p, q);
      return [
        op(v, alpha), ...tf.grads((p: tf.Tensor, q: tf.Tensor) => op(p, q).mul(w).sum())([v, alpha]),
        op(z!, tf.scalar(0.2)), ...tf.grads((p: tf.Tensor, q: tf.Tensor) => op(p, q).square().sum())([z!, tf.scalar(0.2)]),
      ];
    },
  },
  {
    // On cpu this is tf.moments + tf.batchNorm differentiated op by op; on native one fused kernel each way.
    name: 'fused training batch norm (batchNormTraining) and its gradients, rank 4 and rank 3, statistics included',
    shapes: [[4, 6, 5, 3], [3], [3], [2, 9, 8]],
    fn: (x, b, g, z) => {
      const out: tf.Tensor[] = [];
      for (const a of [x!.mul(3).add(1), z!]) {
        const C = a.shape[a.rank - 1]!;
        const gamma = C === 3 ? g!.add(1) : tf.linspace(0.5, 1.5, C);
        const beta = C === 3 ? b! : tf.linspace(-1, 1, C);
        const w = tf.tensor(randomData(a.shape, 37), a.shape);
        const { y, mean, variance } = batchNormTraining(a, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-3);
        const loss = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.relu(batchNormTraining(p, q as tf.Tensor1D, r as tf.Tensor1D, 1e-3).y).mul(w).sum();
        out.push(y, mean, variance, ...tf.grads(loss)([a, gamma, beta]));
      }
      return out;
    },
  },
];

describe('native kernels match cpu', { skip }, () => {
  before(async () => {
    await activateBackend('native', { threads: 2 });
  });

  for (const c of [...KERNEL_CASES, ...NATIVE_CASES]) it(c.name, () => checkAgainstCpu(c, 'native'));

  it('the convolutions really ran on oneDNN, none fell back to wasm', () => {
    const stats = nativeKernelStats();
    const names = [
      'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput',
      'DepthwiseConv2dNativeBackpropFilter', 'FusedConv2D', 'FusedDepthwiseConv2D', 'MaxPoolGrad', 'Concat', 'SplitV', 'FusedBatchNorm', 'Identity', 'BatchMatMul', 'SpaceToBatchND', 'BatchToSpaceND', 'GraphFlowClipByValueGrad', '_FusedMatMul',
      'GraphFlowBatchNormTraining', 'GraphFlowBatchNormTrainingGrad', 'Prelu', 'GraphFlowPreluGrad', 'Transpose',
    ];
    for (const name of names) {
      const s = stats.get(name);
      assert.ok(s && s.native > 0, `${name} never ran natively: ${JSON.stringify(s)}`);
      assert.equal(s.fallback, 0, `${name} fell back: ${s.lastFallbackReason}`);
    }
  });

  it('a case the addon does not take (prelu activation) runs on the wasm kernel with the same values', async () => {
    const before = nativeKernelStats().get('FusedConv2D')?.fallback ?? 0;
    const x = tf.tensor(randomData([1, 6, 6, 2], 3), [1, 6, 6, 2]) as tf.Tensor4D;
    const w = tf.tensor(randomData([3, 3, 2, 3], 4), [3, 3, 2, 3]) as tf.Tensor4D;
    const alpha = tf.tensor1d([0.1, 0.2, 0.3]);
    const y = tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', activation: 'prelu', preluActivationWeights: alpha });
    const reference = tf.prelu(tf.conv2d(x, w, 1, "same"), alpha as unknown as tf.Tensor4D);
    const diff = tf.max(tf.abs(tf.sub(y, reference))).dataSync()[0]!;
    assert.ok(diff < 1e-5, `prelu fallback differs by ${diff}`);
    assert.equal(nativeKernelStats().get('FusedConv2D')!.fallback, before + 1);
    assert.match(nativeKernelStats().get('FusedConv2D')!.lastFallbackReason!, /prelu/);
    tf.dispose([x, w, alpha, y, reference]);
  });

  for (const decoupled of [false, true]) {
    it(`the fused ${decoupled ? 'AdamW' : 'Adam'} update equals the op chain bit for bit`, () => {
      const shape = [3, 3, 8, 16];
      const t = (seed: number, scale = 1) => tf.tensor(randomData(shape, seed), shape).mul(scale);
      const [w, g, m, v] = [t(1), t(2, 0.1), t(3, 0.01), t(4, 0.001).abs()];
      const beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, lr = 3e-4, weightDecay = 2e-4, step = 7;
      const c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
      const attrs: FusedAdamAttrs = { beta1, beta2, oneMinusBeta1: 1 - beta1, oneMinusBeta2: 1 - beta2, epsilon, lr, c1, c2, weightDecay, lrTimesWeightDecay: lr * weightDecay, decoupled };
      const fusedOut = tf.engine().runKernel(FUSED_ADAM_KERNEL, { w: w!, g: g!, m: m!, v: v! }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      // The op chain of plugins/trainers/src/optim/adam.ts.
      const gg = decoupled ? g! : g!.add(w!.mul(weightDecay));
      const mNew = m!.mul(beta1).add(gg.mul(1 - beta1));
      const vNew = v!.mul(beta2).add(gg.square().mul(1 - beta2));
      let next = w!.sub(mNew.div(c1).div(vNew.div(c2).sqrt().add(epsilon)).mul(lr));
      if (decoupled) next = next.sub(w!.mul(lr * weightDecay));
      const bits = (x: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(x.dataSync()).buffer));
      assert.deepEqual(bits(fusedOut[0]!), bits(next), 'w');
      assert.deepEqual(bits(fusedOut[1]!), bits(mNew), 'm');
      assert.deepEqual(bits(fusedOut[2]!), bits(vNew), 'v');
      tf.dispose([w!, g!, m!, v!, ...fusedOut, gg, mNew, vNew, next]);
    });
  }

  it('identity shares its input\'s data: the clone outlives the disposed original', () => {
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const before = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    assert.equal(tf.memory().numDataBuffers, before, 'a clone must share the data buffer');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
    y.dispose();
  });

  it('reads the heap afresh after it grows between calls', () => {
    const x = tf.tensor(randomData([1, 8, 8, 2], 9), [1, 8, 8, 2]) as tf.Tensor4D;
    const w = tf.tensor(randomData([3, 3, 2, 2], 10), [3, 3, 2, 2]) as tf.Tensor4D;
    const first = tf.conv2d(x, w, 1, 'same').dataSync().slice();
    const big = tf.zeros([64, 1024, 1024]); // 256 MiB: the wasm heap must grow, which replaces its buffer
    const second = tf.conv2d(x, w, 1, 'same').dataSync();
    assert.deepEqual(Array.from(second), Array.from(first));
    tf.dispose([x, w, big]);
  });

  it('numTensors stays flat across Adam steps of a conv net on native', () => {
    const v = (shape: number[], seed: number) => tf.variable(tf.randomNormal(shape, 0, 0.2, 'float32', seed));
    const c1 = v([3, 3, 1, 4], 1), dw = v([3, 3, 4, 1], 2), dil = v([3, 3, 4, 4], 3), up = v([2, 2, 4, 4], 4), head = v([1, 1, 4, 2], 5), bias = v([4], 6);
    const forward = (x: tf.Tensor4D): tf.Tensor4D => {
      let h = tf.fused.conv2d({ x, filter: c1 as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'relu' });
      h = tf.relu6(tf.depthwiseConv2d(h, dw as tf.Tensor4D, 2, 'same'));
      h = tf.add(h, tf.conv2d(h, dil as tf.Tensor4D, 1, 'same', 'NHWC', 2));
      h = tf.conv2dTranspose(h, up as tf.Tensor4D, [x.shape[0], x.shape[1], x.shape[2], 4], 2, 'same');
      return tf.conv2d(h, head as tf.Tensor4D, 1, 'valid');
    };
    const optimizer = tf.train.adam(1e-2);
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const labels = tf.oneHot(tf.randomUniform([2, 16, 16], 0, 2, 'int32', 8), 2);
    const step = (): number => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, forward(x)), true)!;
      const value = loss.dataSync()[0]!;
      loss.dispose();
      return value;
    };
    const losses = [step()];
    const counts: number[] = [];
    const heap: number[] = [];
    for (let i = 0; i < 6; i++) {
      losses.push(step());
      counts.push(tf.memory().numTensors);
      heap.push(tf.memory().numBytes);
    }
    assert.ok(losses.every(Number.isFinite), `losses must be finite: ${losses}`);
    assert.ok(losses.at(-1)! < losses[0]!, `loss should fall: ${losses.map((l) => l.toFixed(4))}`);
    assert.deepEqual(counts, counts.map(() => counts[0]), `numTensors per step: ${counts}`);
    assert.deepEqual(heap, heap.map(() => heap[0]), `numBytes per step: ${heap}`);
    tf.dispose([x, labels, c1, dw, dil, up, head, bias]);
    optimizer.dispose();
  });
});

/** bfloat16 where this CPU has bf16 units: convolutions agree with cpu to bf16 rounding, and really were rounded. */
const bf16 = load.addon && /bf16|amx/.test(load.addon.info().isa);
describe('native kernels in bfloat16', { skip: skip || (!bf16 && 'this CPU has no AVX512-BF16 or AMX') }, () => {
  const cases = KERNEL_CASES.filter((c) => /conv/.test(c.name)).slice(0, 6);
  const run = async (precision: 'float32' | 'bfloat16', c: Case): Promise<Float32Array[]> => {
    await activateBackend('native', { threads: 2, precision });
    return tf.tidy(() => {
      const inputs = c.shapes.map((shape, i) => tf.tensor(randomData(shape, 17 + 31 * i), shape));
      const out = c.fn(...inputs);
      return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
    });
  };
  for (const c of cases) {
    it(`${c.name}: within bf16 rounding of float32, and not equal to it`, async () => {
      const f32 = await run('float32', c);
      const b16 = await run('bfloat16', c);
      let differs = false;
      f32.forEach((ref, o) => {
        const scale = Math.max(...Array.from(ref, Math.abs), 1e-6);
        ref.forEach((v, i) => {
          // 8 mantissa bits on each input: relative error ≈ 2⁻⁸ per product, summed over the reduction.
          assert.ok(Math.abs(b16[o]![i]! - v) <= 3e-2 * scale, `output ${o}[${i}]: bf16 ${b16[o]![i]} vs f32 ${v} (scale ${scale})`);
          if (b16[o]![i] !== v) differs = true;
        });
      });
      assert.ok(differs, 'bfloat16 gave float32 results bit for bit: the bf16 path did not run');
    });
  }
  it('float32 again after bfloat16 is bit-identical to float32 before', async () => {
    const c = cases[0]!;
    const first = await run('float32', c);
    await run('bfloat16', c);
    const again = await run('float32', c);
    assert.deepEqual(again.map((a) => Array.from(a)), first.map((a) => Array.from(a)));
  });
});
