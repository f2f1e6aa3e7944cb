import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { ComponentContext, JsonSchema } from '@graphflow/core';
import { enetComponent } from '@graphflow/backbones';
import { BENCH_MODELS, buildBenchModel, benchModel, formatStudentsReport, runStudentEngine, type StudentsReport } from '../src/students';
import { exportLayerGraph, TWIN_LAYER_CLASSES } from '../src/layer-graph';
import { findTorchPython } from '../src/pytorch-twin';
import { LayersSegmentationModel } from '@graphflow/backbones';

/** Schema defaults, what the manifest validator fills in for `{}` (as the backbones plugin's own tests compute them). */
function schemaDefaults(schema: JsonSchema): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema['properties'] as Record<string, { default?: unknown }>).map(([k, v]) => [k, v.default]));
}

describe('--students', () => {
  it('lists the shipped students and both teachers as backbone components', () => {
    assert.deepEqual(BENCH_MODELS.map((m) => m.component), ['backbone/mobile-unet', 'backbone/enet', 'backbone/erfnet', 'backbone/unet', 'backbone/transunet']);
  });

  it('child engine: ENet on wasm at 32×32 gives real latencies, the summary params and a kernel profile', { timeout: 60_000 }, async () => {
    const r = await runStudentEngine({ backend: 'wasm', student: 'enet', size: 32, batch: 1, iterations: 1, warmup: 0, threads: 2, trainSize: 32, trainBatch: 1 });
    assert.equal(r.status, 'ok', r.note);
    assert.equal(r.engine, 'tfjs-wasm');
    for (const v of [r.inference!.medianMs, r.inference!.minMs, r.train!.medianMs, r.train!.minMs]) assert.ok(Number.isFinite(v) && v > 0, `latency ${v}`);
    assert.deepEqual([r.inference!.size, r.inference!.batch, r.inference!.iterations], [32, 1, 1]);
    assert.ok(Number.isFinite(r.train!.lastLoss));
    assert.deepEqual(r.options, schemaDefaults(enetComponent.schema));

    // The same network built directly from the plugin's component with the schema defaults: same summary.
    const direct = await enetComponent.create(schemaDefaults(enetComponent.schema) as never, {} as ComponentContext);
    const expected = direct.summary(32, 32);
    direct.dispose();
    assert.equal(r.summary!.params, expected.params);
    assert.equal(r.summary!.flops, expected.flops);
    assert.equal(r.summary!.flops, 2 * r.summary!.macs);
    assert.ok(Math.abs(r.summary!.params - 0.37e6) < 0.01e6, `ENet has ≈0.37 M params, got ${r.summary!.params}`);

    const kernels = r.trainKernels!;
    assert.ok(kernels.length > 0 && kernels.length <= 12);
    const known = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    for (const k of kernels) {
      assert.ok(known.has(k.kernel), `${k.kernel} is a registered wasm kernel`);
      assert.ok(k.calls > 0 && k.totalMs >= 0);
    }
    assert.ok(kernels.some((k) => k.kernel.includes('Conv2D')), kernels.map((k) => k.kernel).join(', '));
    assert.ok(r.trainKernelCount! >= kernels.length);
  });

  it('the printed report has one row per model, skipped backends once, and each kernel profile', () => {
    const ok = { engine: 'tfjs-wasm', version: '4.22.0', threads: 2, status: 'ok' as const, inference: { size: 64, batch: 1, iterations: 1, medianMs: 12.5, minMs: 12 },
      train: { size: 128, batch: 4, iterations: 1, medianMs: 900, minMs: 900, lastLoss: 0.7 }, trainKernels: [{ kernel: 'Conv2DBackpropFilter', calls: 20, totalMs: 300 }], trainKernelTotalMs: 600, trainKernelCount: 30 };
    const skipped = { engine: 'tfjs-native', version: '-', threads: 2, status: 'skipped' as const, note: 'addon not built' };
    const report: StudentsReport = {
      date: '2026-01-01', machine: { cpuModel: 'Test CPU', cpus: 2, memoryGiB: 8, node: 'v20', platform: 'linux/x64' }, loadAverage1mAtStart: 2, loadAverage1mAtEnd: 2,
      settings: { inference: { size: 64, batch: 1 }, train: { size: 128, batch: 4, step: '' }, warmup: 0, iterations: 1, threads: 2, backends: ['native', 'wasm'], sizeSource: '' },
      models: ['enet', 'unet'].map((key) => ({ key, component: `backbone/${key}`, role: 'student', params: 370_000, flops: 2e8, results: [{ ...skipped, model: key, component: `backbone/${key}` }, { ...ok, model: key, component: `backbone/${key}` }] })),
    };
    const text = formatStudentsReport(report);
    assert.match(text, /MACHINE UNDER LOAD/);
    assert.match(text, /enet +student +0\.370 M +0\.200 +skipped +skipped +12\.5 \(min 12\.0\) +900 \(min 900\)/);
    assert.equal(text.match(/tfjs-native: skipped: addon not built/g)?.length, 1);
    assert.match(text, /tfjs-wasm · unet: .*600 ms in 30 kernels/);
    assert.match(text, /Conv2DBackpropFilter +300\.0 ms +50\.0 %/);
  });

  it('the layer graph keeps inbound layers, channels and the computing config in Keras names; unknown classes are refused', async () => {
    await tf.setBackend('cpu');
    const input = tf.input({ shape: [null, null, 3] as unknown as number[], name: 'image' });
    const conv = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'c1' }).apply(input) as tf.SymbolicTensor;
    const pool = tf.layers.maxPooling2d({ poolSize: 2, name: 'p1' }).apply(input) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate({ name: 'cat' }).apply([conv, pool]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: cat });
    const graph = exportLayerGraph(model);
    assert.deepEqual(graph.inputs, ['image']);
    assert.deepEqual(graph.outputs, ['cat']);
    const byName = Object.fromEntries(graph.layers.map((l) => [l.name, l]));
    assert.deepEqual(byName['c1'], { name: 'c1', className: 'Conv2D', inbound: ['image'], inChannels: [3], outChannels: 8,
      config: { filters: 8, kernel_size: [3, 3], strides: [2, 2], padding: 'same', dilation_rate: [1, 1], use_bias: false, activation: 'linear' } });
    assert.deepEqual(byName['cat']!.inbound, ['c1', 'p1']);
    assert.deepEqual(byName['cat']!.inChannels, [8, 3]);
    assert.equal(byName['cat']!.outChannels, 11);

    const dense = tf.layers.dense({ units: 2, name: 'fc' }).apply(input) as tf.SymbolicTensor;
    assert.throws(() => exportLayerGraph(tf.model({ inputs: input, outputs: dense })), /layer "fc": class Dense has no PyTorch twin/);
    model.dispose();
  });

  it('every shipped student exports with known classes only; a channel Permute leaves the last axis spatial (null)', async () => {
    await tf.setBackend('cpu');
    for (const key of ['mobile-unet', 'enet', 'erfnet']) {
      const { model } = await buildBenchModel(benchModel(key));
      assert.ok(model instanceof LayersSegmentationModel);
      const graph = exportLayerGraph(model.model);
      assert.equal(graph.layers.length, model.model.layers.length);
      for (const l of graph.layers) assert.ok(TWIN_LAYER_CLASSES.includes(l.className), l.className);
      if (key === 'enet') {
        const permute = graph.layers.find((l) => l.className === 'Permute')!;
        assert.deepEqual(permute.config, { dims: [3, 2, 1] });
        assert.equal(permute.outChannels, null);
      }
      model.dispose();
    }
  });

  const torch = findTorchPython();
  it('the PyTorch twin of ENet has its trainable params and output shape, and times both phases', {
    timeout: 120_000,
    skip: torch.python === null ? `no Python with torch (tried ${torch.tried.join(', ')}); apt-get install python3-torch` : false,
  }, async () => {
    const r = await runStudentEngine({ backend: 'pytorch', student: 'enet', size: 32, batch: 1, iterations: 1, warmup: 0, threads: 1, trainSize: 32, trainBatch: 2 });
    // status ok means the twin's trainable-parameter count and NCHW output shape matched (it fails otherwise).
    assert.equal(r.status, 'ok', r.note);
    assert.equal(r.engine, 'pytorch');
    assert.equal(r.summary!.trainableParams, 358_593);
    for (const v of [r.inference!.medianMs, r.train!.medianMs]) assert.ok(Number.isFinite(v) && v > 0, `latency ${v}`);
    assert.ok(Number.isFinite(r.train!.lastLoss) && r.train!.lastLoss > 0);
  });

  it('with the twin listed, the table gives the first tfjs backend ÷ pytorch for both phases', () => {
    const row = (engine: string, infer: number, train: number) => ({ engine, version: '-', threads: 2, status: 'ok' as const, model: 'enet', component: 'backbone/enet',
      inference: { size: 256, batch: 1, iterations: 3, medianMs: infer, minMs: infer }, train: { size: 128, batch: 4, iterations: 3, medianMs: train, minMs: train, lastLoss: 0.7 } });
    const report: StudentsReport = {
      date: '2026-01-01', machine: { cpuModel: 'Test CPU', cpus: 2, memoryGiB: 8, node: 'v20', platform: 'linux/x64' }, loadAverage1mAtStart: 0, loadAverage1mAtEnd: 0,
      settings: { inference: { size: 256, batch: 1 }, train: { size: 128, batch: 4, step: '' }, warmup: 1, iterations: 3, threads: 2, backends: ['native', 'pytorch'], sizeSource: '' },
      models: [{ key: 'enet', component: 'backbone/enet', role: 'student', params: 366_945, flops: 9.4e8, results: [row('tfjs-native', 40, 200), row('pytorch', 80, 250)] }],
    };
    const text = formatStudentsReport(report);
    assert.match(text, /tfjs-native ÷ pytorch \(infer, train\)/);
    assert.match(text, /enet .*40\.0 \(min 40\.0\) +200 \(min 200\) +80\.0 \(min 80\.0\) +250 \(min 250\) +0\.50×, 0\.80×/);
  });
});
