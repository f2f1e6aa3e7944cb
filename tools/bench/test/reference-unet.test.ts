import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '@graphflow/backend';
import { buildReferenceUNet, forwardFlops, parameterCount, REFERENCE_UNET, type UNetConfig } from '../src/reference-unet';
import { findTorchPython } from '../src/pytorch-twin';
import { formatTable } from '../src/format-table';

const TINY: UNetConfig = { ...REFERENCE_UNET, size: 16, base: 4, batch: 1 };

async function valueAndGrads(backend: string, config: UNetConfig): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const net = buildReferenceUNet(config, 3);
  const images = tf.randomNormal([config.batch, config.size, config.size, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  const labels = tf.oneHot(tf.randomUniform([config.batch, config.size, config.size], 0, 2, 'int32', 6) as tf.Tensor3D, 2);
  const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, net.forward(images, true)) as tf.Scalar, net.trainableVariables());
  const out = [await value.data(), ...(await Promise.all(net.trainableVariables().map((v) => grads[v.name]!.data())))].map((a) => Float32Array.from(a));
  tf.dispose([value, images, labels, ...Object.values(grads)]);
  net.dispose();
  return out;
}

describe('reference U-Net', () => {
  it('FLOP count matches a hand count for a 16×16, base-4, batch-1 net', () => {
    // Level 0 (16²): 1→4, 4→4; up-block 8→4, 4→4. Level 1 (8²): 4→8, 8→8; 16→8, 8→8. Level 2 (4²): 8→16, 16→16;
    // 32→16, 16→16. Level 3 (2²): 16→32, 32→32. Transposed 2×2 convs into 16², 8², 4²; 1×1 head 4→2.
    const c = (hw: number, cin: number, cout: number) => 2 * hw * hw * 9 * cin * cout;
    const t = (hwIn: number, cin: number, cout: number) => 2 * hwIn * hwIn * cin * cout * 4;
    const expected = c(16, 1, 4) + c(16, 4, 4) + c(16, 8, 4) + c(16, 4, 4) + c(8, 4, 8) + c(8, 8, 8) + c(8, 16, 8) + c(8, 8, 8)
      + c(4, 8, 16) + c(4, 16, 16) + c(4, 32, 16) + c(4, 16, 16) + c(2, 16, 32) + c(2, 32, 32)
      + t(8, 8, 4) + t(4, 16, 8) + t(2, 32, 16) + 2 * 16 * 16 * 4 * 2;
    assert.equal(forwardFlops(TINY), expected);
    assert.equal(Math.round(forwardFlops(REFERENCE_UNET) / 1e6), 4603);
  });

  it('maps [N,S,S,1] to logits [N,S,S,2]; the PyTorch twin has the same parameter count', { timeout: 120_000 }, async (t) => {
    await tf.setBackend('cpu');
    const net = buildReferenceUNet(REFERENCE_UNET);
    const logits = tf.tidy(() => net.forward(tf.zeros([1, 32, 32, 1]) as tf.Tensor4D, false));
    assert.deepEqual(logits.shape, [1, 32, 32, 2]);
    logits.dispose();
    const count = parameterCount(net);
    net.dispose();
    const found = findTorchPython();
    if (found.python === null) {
      t.skip(`no Python with torch (tried ${found.tried.join(', ')})`);
      return;
    }
    const dir = path.join(__dirname, '..', '..', 'python');
    const r = spawnSync(found.python, ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(dir)}); import unet_bench as u; print(sum(p.numel() for p in u.ReferenceUNet(base=16).parameters()))`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(count, Number(r.stdout.trim()));
  });

  it('one training step: loss and every gradient agree between wasm and cpu (16×16, base 4)', async () => {
    await activateBackend('wasm', { threads: 2 });
    const expected = await valueAndGrads('cpu', TINY);
    const actual = await valueAndGrads('wasm', TINY);
    // float32; batch-norm divides by small batch variances, so gradients are compared at 1e-3 of their scale.
    const ATOL = 1e-4;
    const RTOL = 1e-3;
    assert.equal(actual.length, expected.length);
    actual.forEach((a, i) => {
      const e = expected[i]!;
      const scale = Math.max(...e.map(Math.abs));
      const diff = Math.max(...a.map((v, j) => Math.abs(v - e[j]!)));
      assert.ok(diff <= ATOL + RTOL * scale, `tensor ${i}: max diff ${diff} > ${ATOL + RTOL * scale}`);
    });
  });

  it('training steps on wasm do not leak tensors', async () => {
    await activateBackend('wasm', { threads: 2 });
    const net = buildReferenceUNet(TINY);
    const opt = tf.train.adam(1e-2);
    const images = tf.randomNormal([1, 16, 16, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const labels = tf.oneHot(tf.randomUniform([1, 16, 16], 0, 2, 'int32', 2) as tf.Tensor3D, 2);
    const step = () => tf.dispose(opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, net.forward(images, true)), true) ?? []);
    step();
    const counts = [1, 2, 3].map(() => (step(), tf.memory().numTensors));
    assert.deepEqual(counts, [counts[0], counts[0], counts[0]]);
    tf.dispose([images, labels]);
    opt.dispose();
    net.dispose();
  });

  it('the reference-size training step runs on cpu (GRAPHFLOW_SLOW=1)', { timeout: 60 * 60_000 }, async (t) => {
    if (process.env['GRAPHFLOW_SLOW'] !== '1') {
      t.skip('set GRAPHFLOW_SLOW=1 to run the full 128×128 cpu step (≈35 s with GraphFlow\'s cpu filter gradient)');
      return;
    }
    await activateBackend('cpu');
    const net = buildReferenceUNet(REFERENCE_UNET);
    const opt = tf.train.adam(1e-3);
    const images = tf.randomNormal([4, 128, 128, 1]) as tf.Tensor4D;
    const labels = tf.oneHot(tf.randomUniform([4, 128, 128], 0, 2, 'int32') as tf.Tensor3D, 2);
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, net.forward(images, true)), true)!;
    assert.ok(Number.isFinite(loss.dataSync()[0]));
    tf.dispose([loss, images, labels]);
    net.dispose();
  });

  it('the printed table shows every engine, the torch ratio and the kernel breakdown', () => {
    const phase = (ms: number) => ({ iterations: 3, medianMs: ms, minMs: ms, imagesPerSecond: 4000 / ms, effectiveGflops: 13.8 / ms });
    const text = formatTable({
      machine: { cpuModel: 'Test CPU', cpus: 2, memoryGiB: 8, node: 'v20' },
      loadAverage1mAtStart: 3, loadAverage1mAtEnd: 3,
      model: { size: 128, base: 16, batch: 4, forwardGflop: 4.6, trainGflop: 13.81 },
      results: [
        { engine: 'tfjs-wasm', version: '4.22.0', threads: 2, status: 'ok', train: phase(800), inference: phase(150), peakRssMiB: 800, trainKernels: [{ kernel: 'Conv2DBackpropFilter', calls: 18, totalMs: 300 }] },
        { engine: 'tfjs-node', version: '-', threads: 2, status: 'skipped', note: 'not installed' },
        { engine: 'pytorch', version: '1.13', threads: 2, status: 'ok', train: phase(200), inference: phase(60), peakRssMiB: 400 },
      ],
    });
    assert.match(text, /MACHINE UNDER LOAD/);
    assert.match(text, /tfjs-wasm +4\.22\.0 +2 +800 .* 4\.0×/);
    assert.match(text, /tfjs-node +- +2 +skipped: not installed/);
    assert.match(text, /Conv2DBackpropFilter +300\.0 ms +100\.0 %/);
  });
});
