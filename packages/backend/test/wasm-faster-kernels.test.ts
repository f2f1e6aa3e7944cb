import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../src/select-backend';
import { registerWasmTrainingKernels, WASM_FASTER_KERNELS } from '../src/kernels/wasm/wasm-training-kernels';
import { broadcastView } from '../src/kernels/wasm/channel-broadcast-binary';
import { simdModuleFor } from '../src/kernels/wasm/simd-module';
import { closeness, randomData, runOn } from './support/compare-backends';

/**
 * The SIMD heap kernels (per-channel / per-row broadcasting binary ops, leading-axis Sum/Mean/Max,
 * Square/Neg/Relu) against tfjs's `cpu` backend, plus the cases they hand back to tfjs's own wasm kernels.
 * Tolerance: |wasm − cpu| ≤ 1e-6 + 1e-5 · max|cpu| per output (the element-wise ops are bit-identical;
 * the sums accumulate in float64, cpu's in float32).
 */
const ATOL = 1e-6;
const RTOL = 1e-5;

const t = (shape: number[], seed: number, dtype: 'float32' | 'int32' = 'float32'): tf.Tensor =>
  dtype === 'int32' ? tf.tensor(Array.from(randomData(shape, seed), (v) => Math.round(v * 50)), shape, 'int32') : tf.tensor(randomData(shape, seed), shape);

async function same(name: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const expected = await runOn('cpu', fn);
  const actual = await runOn('wasm', fn);
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    const r = closeness(a, expected[i]!, ATOL, RTOL);
    assert.ok(r.ok, `${name} output ${i}: max |wasm − cpu| = ${r.maxDiff} > ${r.tol}`);
  });
}

type Bin = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
const BINARY: [string, Bin][] = [
  ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum], ['minimum', tf.minimum], ['squaredDifference', tf.squaredDifference],
];
/** [a shape, b shape]: per-channel and per-row patterns, both orders, odd channel counts, rank 2–4. */
const BROADCASTS: number[][][] = [
  [[4, 5, 6, 8], [8]], [[8], [4, 5, 6, 8]], [[2, 5, 6, 7], [1, 1, 1, 7]], [[1, 1, 1, 7], [2, 5, 6, 7]],
  [[9, 3], [3]], [[3], [9, 3]], [[2, 5, 3], [5, 3]], [[2, 5, 3], [1, 5, 3]], [[2, 5, 13], [2, 5, 1]], [[2, 5, 1], [2, 5, 13]],
  [[3, 4, 4, 6], [3, 1, 1, 1]], [[7, 2], [7, 1]], [[1, 3, 3, 5], [5]],
];

describe('wasm SIMD kernels match cpu', () => {
  before(async () => {
    await activateBackend('wasm', { threads: 2 });
    registerWasmTrainingKernels();
    assert.ok(simdModuleFor(tf.backend()), 'the SIMD module must instantiate on this heap');
  });

  it('classifies broadcast patterns', () => {
    assert.deepEqual(broadcastView([4, 64, 64, 32], [32]), { full: 'a', layout: 'vec', rows: 16384, cols: 32 });
    assert.deepEqual(broadcastView([1, 1, 32], [4, 8, 32]), { full: 'b', layout: 'vec', rows: 32, cols: 32 });
    assert.deepEqual(broadcastView([4, 8, 8, 1], [4, 8, 8, 3]), { full: 'b', layout: 'row', rows: 256, cols: 3 });
    assert.equal(broadcastView([4, 8], [4, 8]), null);
    assert.equal(broadcastView([4, 8], [1]), null);
    assert.equal(broadcastView([2, 1, 3], [1, 4, 1]), null);
    assert.equal(broadcastView([2, 4, 3], [2, 1, 3]), null);
  });

  for (const [name, op] of BINARY) {
    it(`${name}: broadcast patterns (both orders, rank 2–4, odd C)`, () =>
      same(name, () => BROADCASTS.map(([sa, sb], i) => op(t(sa!, 3 + i), sb!.length === 1 && name === 'div' ? t(sb!, 40 + i).abs().add(0.5) : t(sb!, 40 + i)))));
  }

  it('binary fall-backs: same shape, scalar, int32, two-sided broadcast, bool result', () =>
    same('fallback', () => [
      tf.mul(t([3, 4], 1), t([3, 4], 2)), tf.sub(t([3, 4], 1), tf.scalar(0.5)), tf.add(t([2, 1, 3], 1), t([1, 4, 1], 2)),
      tf.mul(t([4, 3], 5, 'int32'), t([3], 6, 'int32')).toFloat(), tf.sub(t([3], 6, 'int32'), t([4, 3], 5, 'int32')).toFloat(),
      tf.maximum(t([4, 3], 5, 'int32'), t([4, 1], 6, 'int32')).toFloat(), tf.greater(t([4, 3], 1), t([3], 2)).toFloat(),
    ]));

  it('Sum / Mean / Max over leading axes, keepDims either way', () =>
    same('reduce', () => {
      const x = t([4, 6, 5, 7], 11);
      const out: tf.Tensor[] = [];
      for (const keepDims of [false, true]) {
        out.push(tf.sum(x, [0, 1, 2], keepDims), tf.mean(x, [0, 1, 2], keepDims), tf.max(x, [0, 1, 2], keepDims));
        out.push(tf.sum(x, [0], keepDims), tf.mean(x, [1, 0], keepDims), tf.max(x, [0, 1], keepDims));
      }
      const y = t([33, 5], 12);
      out.push(tf.sum(y, 0), tf.mean(y, 0), tf.max(y, 0), tf.sum(t([3, 9, 1], 13), [0, 1]), tf.sum(t([2, 3, 8], 14), -3));
      return out;
    }));

  it('reduction fall-backs: trailing / middle / all axes, int32', () =>
    same('reduce fallback', () => {
      const x = t([4, 6, 5], 21);
      return [tf.sum(x, [1, 2]), tf.mean(x, 2), tf.max(x, 1), tf.sum(x), tf.mean(x), tf.max(x, [0, 1, 2]), tf.sum(t([5, 3], 22, 'int32'), 0).toFloat(), tf.max(t([5, 3], 22, 'int32'), 0).toFloat()];
    }));

  it('Square / Neg / Relu (odd sizes) and int32 fall-backs', () =>
    same('unary', () => {
      const x = t([3, 37], 31);
      const i = t([3, 5], 32, 'int32');
      return [tf.square(x), tf.neg(x), tf.relu(x), tf.square(t([2], 33)), tf.square(i).toFloat(), tf.neg(i).toFloat(), tf.relu(i).toFloat()];
    }));

  it('gradients of training-mode batch norm and PReLU', () =>
    same('grads', () => {
      const upstream = t([2, 6, 5, 7], 41);
      return tf.grads((x: tf.Tensor, s: tf.Tensor, o: tf.Tensor, alpha: tf.Tensor) => {
        const m = tf.moments(x, [0, 1, 2]);
        const y = tf.batchNorm(x, m.mean, m.variance, o, s, 1e-3);
        return tf.prelu(y, alpha).mul(upstream).sum();
      })([t([2, 6, 5, 7], 42), t([7], 43), t([7], 44), t([7], 45)]);
    }));

  it('no tensors or heap leak, and faster: false puts tfjs\'s kernels back', async () => {
    await tf.setBackend('wasm');
    const x = t([4, 32, 32, 16], 51);
    const g = t([16], 52);
    const run = () => tf.tidy(() => [tf.mul(x, g), tf.sub(g, x), tf.sum(x, [0, 1, 2]), tf.mean(x, [0, 1, 2], true), tf.max(x, [0, 1, 2]), tf.square(x), tf.relu(x)]).forEach((r) => r.dispose());
    run();
    const backend = tf.backend() as unknown as { numDataIds(): number; wasm: { HEAPU8: Uint8Array } };
    const before = { tensors: tf.memory().numTensors, dataIds: backend.numDataIds(), heap: backend.wasm.HEAPU8.buffer.byteLength };
    for (let i = 0; i < 50; i++) run();
    assert.deepEqual({ tensors: tf.memory().numTensors, dataIds: backend.numDataIds(), heap: backend.wasm.HEAPU8.buffer.byteLength }, before);

    const ours = WASM_FASTER_KERNELS.find((k) => k.kernelName === tf.Multiply)!;
    assert.equal(tf.getKernel(tf.Multiply, 'wasm')!.kernelFunc, ours.kernelFunc);
    registerWasmTrainingKernels({ faster: false });
    assert.notEqual(tf.getKernel(tf.Multiply, 'wasm')!.kernelFunc, ours.kernelFunc);
    const off = tf.mul(x, g).dataSync().slice();
    registerWasmTrainingKernels();
    assert.equal(tf.getKernel(tf.Multiply, 'wasm')!.kernelFunc, ours.kernelFunc);
    assert.deepEqual(tf.mul(x, g).dataSync(), off);
    tf.dispose([x, g]);
  });
});
