import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { ComponentContext, JsonSchema } from '@graphflow/core';
import { enetComponent } from '@graphflow/backbones';
import { BENCH_MODELS, formatStudentsReport, runStudentEngine, type StudentsReport } from '../src/students';

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
});
