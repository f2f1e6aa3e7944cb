import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ORIGINAL_CPU_KERNELS, registerCpuFasterKernels } from '../src/kernels/cpu/cpu-faster-kernels';
import { closeness, randomData } from './support/compare-backends';

/**
 * GraphFlow's cpu Conv2DBackpropFilter (swapped convolution) against tfjs's own cpu kernel, called directly,
 * on strides 1/2/3, same/valid, odd and asymmetric shapes, batch 1 and 2.
 * Tolerance: |new − tfjs| ≤ 1e-4 + 1e-4 · max|tfjs| (float32, different summation order).
 */
const CASES: { x: number[]; dy: number[]; filter: [number, number, number, number]; strides: number; pad: 'same' | 'valid' }[] = [
  { x: [1, 7, 9, 3], dy: [1, 7, 9, 5], filter: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 4], dy: [2, 4, 4, 6], filter: [3, 3, 4, 6], strides: 2, pad: 'same' },
  { x: [1, 9, 7, 2], dy: [1, 4, 3, 5], filter: [2, 2, 2, 5], strides: 2, pad: 'valid' },
  { x: [2, 11, 13, 3], dy: [2, 3, 3, 4], filter: [5, 5, 3, 4], strides: 3, pad: 'valid' },
  { x: [1, 6, 10, 4], dy: [1, 6, 10, 4], filter: [1, 3, 4, 4], strides: 1, pad: 'same' },
];

describe('cpu faster kernels', () => {
  it('Conv2DBackpropFilter equals tfjs\'s cpu kernel', async () => {
    await tf.setBackend('cpu');
    registerCpuFasterKernels();
    const original = ORIGINAL_CPU_KERNELS[tf.Conv2DBackpropFilter]!;
    for (const c of CASES) {
      const x = tf.tensor(randomData(c.x, 1), c.x);
      const dy = tf.tensor(randomData(c.dy, 2), c.dy);
      const attrs = { strides: [c.strides, c.strides], pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter } as unknown as tf.NamedAttrMap;
      const got = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs) as tf.Tensor;
      const info = original.kernelFunc({ inputs: { x, dy }, backend: tf.backend(), attrs }) as tf.TensorInfo;
      const want = tf.engine().makeTensorFromTensorInfo(info);
      assert.deepEqual(got.shape, c.filter);
      const r = closeness(Float32Array.from(await got.data()), Float32Array.from(await want.data()), 1e-4, 1e-4);
      assert.ok(r.ok, `${JSON.stringify(c)}: max diff ${r.maxDiff} > ${r.tol}`);
      tf.dispose([x, dy, got, want]);
    }
  });
});
