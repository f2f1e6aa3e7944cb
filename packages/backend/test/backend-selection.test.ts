import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { isGraphFlowError, type ComputeBackend } from '@graphflow/core';
import { activateBackend, assertTrainingKernels, selectBackend } from '../src/select-backend';
import { formatDoctorReport, runDoctor } from '../src/doctor';
import { kernelCoverage } from '../src/kernels/training-kernels';
import plugin from '../src/index';
import { loadNativeAddon } from '@graphflow/backend-native';

/** Where libdnnl-dev was installed before `npm ci`, auto picks the native backend; elsewhere wasm. */
const nativeLoads = loadNativeAddon().addon !== undefined;
const autoChoice = nativeLoads ? 'native' : 'wasm';

const tfjsNodeInstalled = (() => {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

function recordingLogger() {
  const entries: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  return {
    entries,
    info: (obj: object, msg?: string) => void entries.push({ level: 'info', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
    warn: (obj: object, msg?: string) => void entries.push({ level: 'warn', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
  };
}

describe('backend selection', () => {
  it('auto skips the missing optional backends and starts native (or wasm without oneDNN) with real threads, logging the choice', { skip: tfjsNodeInstalled && 'tfjs-node is installed here' }, async () => {
    const log = recordingLogger();
    const info = await selectBackend('auto', log);
    assert.equal(info.name, autoChoice);
    assert.equal(tf.getBackend(), autoChoice);
    assert.equal(info.version, nativeLoads ? 'oneDNN 2.6.3' : '4.22.0');
    assert.ok(info.threads >= 1 && info.threads <= 64);
    assert.deepEqual(info.details?.['missingKernels'], []);
    const skipped = info.details?.['skipped'] as { name: string; reason: string }[];
    assert.deepEqual(skipped.map((s) => s.name), nativeLoads ? ['tfjs-node-gpu', 'tfjs-node'] : ['tfjs-node-gpu', 'tfjs-node', 'native']);
    assert.match(skipped[1]!.reason, /@tensorflow\/tfjs-node is not installed.*npm install @tensorflow\/tfjs-node@4\.22\.0/);
    const chosen = log.entries.find((e) => e.level === 'info');
    assert.equal(chosen?.obj['backend'], autoChoice);
    assert.equal(chosen?.obj['threads'], info.threads);
  });

  it('an explicit backend that is not installed is GF_BACKEND_UNAVAILABLE naming the package', { skip: tfjsNodeInstalled && 'tfjs-node is installed here' }, async () => {
    await assert.rejects(activateBackend('tfjs-node', { file: 'manifest.json' }), (e: unknown) => {
      assert.ok(isGraphFlowError(e));
      assert.equal(e.code, 'GF_BACKEND_UNAVAILABLE');
      assert.equal(e.exitCode, 2);
      assert.equal(e.problems[0]!.pointer, '/backend');
      assert.equal(e.problems[0]!.file, 'manifest.json');
      assert.match(e.message, /npm install @tensorflow\/tfjs-node@4\.22\.0/);
      return true;
    });
    await assert.rejects(activateBackend('gpu'), (e: unknown) => isGraphFlowError(e) && /tfjs-node-gpu/.test(e.message));
  });

  it('an unknown backend name lists the valid ones', async () => {
    await assert.rejects(activateBackend('tpu'), (e: unknown) => {
      assert.ok(isGraphFlowError(e));
      assert.equal(e.code, 'GF_BACKEND_UNAVAILABLE');
      assert.match(e.message, /unknown compute backend "tpu" \(expected auto \| tfjs-node-gpu \| tfjs-node \| native \| wasm \| cpu\)/);
      return true;
    });
  });

  it('auto falls through a backend that fails to start, and a kernel gap is reported before training', async () => {
    const broken: ComputeBackend = {
      name: 'broken', priority: 999,
      probe: async () => ({ available: true }),
      activate: async () => { throw new Error('driver crashed'); },
    };
    const bare: ComputeBackend = {
      name: 'bare', priority: 500,
      probe: async () => ({ available: true }),
      // Pretends to be a backend with no training kernels at all (the name of a tfjs backend nobody registered).
      activate: async () => ({ name: 'bare', tfBackend: 'no-such-tfjs-backend', version: '0', threads: 1 }),
    };
    const log = recordingLogger();
    const info = await selectBackend('auto', log, { candidates: [broken, bare] });
    assert.equal(info.name, 'bare');
    assert.ok(log.entries.some((e) => e.level === 'warn' && e.obj['backend'] === 'broken'));
    assert.ok(log.entries.some((e) => e.level === 'warn' && Array.isArray(e.obj['missingKernels'])));
    assert.throws(() => assertTrainingKernels(info, ['Conv2D', 'Conv2DBackpropFilter']), (e: unknown) =>
      isGraphFlowError(e) && e.code === 'GF_BACKEND_KERNEL_MISSING' && /Conv2D, Conv2DBackpropFilter/.test(e.message));
  });

  it('bfloat16 goes only to a backend that declares it: auto skips the others with the reason, an explicit name fails at /backend/precision', async () => {
    const fp32Only: ComputeBackend = {
      name: 'fp32-only', priority: 600,
      probe: async () => ({ available: true }),
      activate: async () => { throw new Error('must not be started'); },
    };
    const activated: unknown[] = [];
    const mixed: ComputeBackend = {
      name: 'mixed', priority: 100,
      probe: async () => ({ available: true, precisions: ['float32', 'bfloat16'] }),
      activate: async (o) => {
        activated.push(o);
        return { name: 'mixed', tfBackend: 'cpu', version: '0', threads: 1, precision: o?.precision ?? 'float32' };
      },
    };
    const info = await selectBackend('auto', recordingLogger(), { candidates: [fp32Only, mixed], precision: 'bfloat16' });
    assert.equal(info.name, 'mixed');
    assert.equal(info.precision, 'bfloat16');
    assert.deepEqual(activated, [{ precision: 'bfloat16' }]);
    await assert.rejects(selectBackend('fp32-only', recordingLogger(), { candidates: [fp32Only, mixed], precision: 'bfloat16', file: 'm.json' }), (e: unknown) =>
      isGraphFlowError(e) && e.code === 'GF_BACKEND_UNAVAILABLE' && e.problems[0]!.pointer === '/backend/precision' && e.problems[0]!.file === 'm.json' && /cannot compute in bfloat16.*supports float32/.test(e.message));
    await assert.rejects(selectBackend('auto', recordingLogger(), { candidates: [fp32Only], precision: 'bfloat16' }), (e: unknown) =>
      isGraphFlowError(e) && e.code === 'GF_BACKEND_UNAVAILABLE' && /fp32-only \(backend "fp32-only" cannot compute in bfloat16/.test(e.message));
  });

  it('kernelCoverage: cpu has every training kernel; wasm has them all once GraphFlow registers its kernels', async () => {
    assert.deepEqual(kernelCoverage('cpu').missing, []);
    await activateBackend('wasm');
    assert.deepEqual(kernelCoverage('wasm').missing, []);
    assert.ok(kernelCoverage('wasm').present.includes('Conv2DBackpropFilter'));
  });

  it('doctor reports backends, the selection and per-family kernel coverage', async () => {
    const report = await runDoctor();
    assert.deepEqual(report.backends.map((b) => b.name), ['tfjs-node-gpu', 'tfjs-node', 'native', 'wasm', 'cpu']);
    assert.equal(report.backends.find((b) => b.name === 'cpu')?.available, true);
    assert.equal(report.selected?.name, tfjsNodeInstalled ? 'tfjs-node' : autoChoice);
    assert.deepEqual(Object.keys(report.kernels!.families), ['common', 'unet', 'mobilenetv2', 'enet', 'erfnet', 'transunet']);
    assert.deepEqual(report.kernels!.missing, []);
    assert.equal(report.ok, true);
    const text = formatDoctorReport(report);
    assert.match(text, /✗ tfjs-node +priority 300 +— @tensorflow\/tfjs-node is not installed/);
    if (nativeLoads) {
      assert.match(text, /Selected: native \(tfjs backend "native", version oneDNN 2\.6\.3, \d+ thread\(s\)\)/);
      assert.match(text, /✓ unet +7\/7 +\(\d+ native: Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter/);
    } else {
      assert.match(text, /Selected: wasm \(tfjs backend "wasm", version 4\.22\.0, \d+ thread\(s\)\)/);
      assert.match(text, /✗ native +priority 250 +— .*sudo apt-get install -y libdnnl-dev/);
      assert.match(text, /✓ unet +7\/7/);
    }
    assert.match(text, /OK: the selected backend can train every shipped model\./);
  });

  it('doctor with an unavailable explicit backend reports the error instead of throwing', { skip: tfjsNodeInstalled && 'tfjs-node is installed here' }, async () => {
    const report = await runDoctor({ backend: 'tfjs-node' });
    assert.equal(report.selected, null);
    assert.equal(report.ok, false);
    assert.match(report.selectionError!, /GF_BACKEND_UNAVAILABLE.*npm install @tensorflow\/tfjs-node@4\.22\.0/);
    assert.match(formatDoctorReport(report), /Selected: none — GF_BACKEND_UNAVAILABLE/);
  });

  it('the plugin registers the five backend components with a validated threads option', () => {
    const components: { kind: string; name: string; schema: Record<string, unknown> }[] = [];
    void plugin.register({ component: (d: { kind: string; name: string; schema: Record<string, unknown> }) => void components.push(d) } as never, {});
    assert.deepEqual(components.map((c) => `${c.kind}/${c.name}`), ['backend/tfjs-node-gpu', 'backend/tfjs-node', 'backend/native', 'backend/wasm', 'backend/cpu']);
    assert.equal(components[0]!.schema['additionalProperties'], false);
  });
});
