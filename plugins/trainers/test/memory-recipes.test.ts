import type { Optimizer } from '@graphflow/core';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import pino from 'pino';
import { TOKENS, type BackendInfo, type ComponentSpec, type FeatureParaphraser, type RunDirectory, type SegmentationModel } from '@graphflow/core';
import { createRunScope, preparePipeline } from '@graphflow/core/host';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { checkParaphraserStageMemory, checkStudentStageMemory } from '../src/stages/memory-preflight';
import { PREFLIGHT_SHARE } from '../src/training/memory-limit';
import type { TrainingMemoryEstimate } from '../src/training/memory-estimate';

tf.setBackend('cpu');

const EXAMPLES = path.resolve(__dirname, '../../../../examples');
const MANIFESTS = [
  'quickstart/manifest.json',
  'folder/manifest.json',
  'busi/manifest.json',
  'cvc-clinicdb/manifest.json',
  'kvasir-seg/manifest.json',
  'synapse/manifest.json',
  'custom-loss/manifest.json',
  'semi-supervised/labeled-30.json',
  'transunet-students/mobile-unet.json',
  'transunet-students/enet.json',
  'transunet-students/erfnet.json',
];
/** What the wasm backend declares (packages/backend asserts its own declaration equals this). */
const WASM: BackendInfo = { name: 'wasm', tfBackend: 'wasm', version: 'test', threads: 1, memory: { limitBytes: 4 * 2 ** 30, description: 'WebAssembly heap (32-bit address space)' } };

/** Data shape from the manifest's data options, so recipes whose data is not on this machine can be checked. */
function dataShape(options: Record<string, unknown>): { inputSize: readonly [number, number]; channels: number; numClasses: number } {
  const size = options['size'] as number | [number, number];
  const classes = options['numClasses'] ?? options['classes'];
  return { inputSize: Array.isArray(size) ? [size[0], size[1]] : [size, size], channels: (options['channels'] as number | undefined) ?? 1, numClasses: typeof classes === 'number' ? classes : 2 };
}

test('the quickstart and every recipe pass the wasm memory pre-flight with their own batch sizes', async () => {
  const root = await tempDir('mem-recipes');
  const report: string[] = [];
  // Recipes share networks; building each distinct one once keeps this test fast. Keys include a module's teacher.
  const cache = new Map<string, SegmentationModel | FeatureParaphraser>();
  for (const file of MANIFESTS) {
    const { registry, manifest } = await preparePipeline(path.join(EXAMPLES, file), [], { logger: pino({ level: 'silent' }) });
    const run = {} as RunDirectory;
    const rs = createRunScope({ registry, manifest, run, runOptions: { manifestFile: file, manifestDir: EXAMPLES, smoke: false, signal: new AbortController().signal }, logger: pino({ level: 'silent' }) });
    const data = dataShape(manifest.data!.options);
    const model = async <T extends SegmentationModel | FeatureParaphraser>(ref: string): Promise<T> => {
      const spec = manifest.models[ref.replace(/^models\./, '')]!;
      const teacherRef = (spec.options as Record<string, unknown>)['teacher'];
      const key = JSON.stringify([spec, typeof teacherRef === 'string' ? manifest.models[teacherRef.replace(/^models\./, '')] : null]);
      if (!cache.has(key)) cache.set(key, await rs.scope.resolve<T>(rs.root, ref));
      return cache.get(key) as T;
    };
    {
      for (const [index, spec] of manifest.stages.entries()) {
        if (!spec.enabled || !['stage/supervised', 'stage/distill', 'stage/paraphraser'].includes(spec.type)) continue;
        const o = spec.options;
        const ctx = await makeStageContext({ root, name: spec.name });
        ctx.container.register(TOKENS.Backend, { useValue: WASM });
        const stageCtx = { ...ctx, index };
        const optimizer = (await rs.scope.build(o['optimizer'] as ComponentSpec, `stages.${spec.name}.optimizer`, rs.root)) as Optimizer;
        const batchSize = o['batchSize'] as number;
        let estimate: TrainingMemoryEstimate | undefined;
        if (spec.type === 'stage/paraphraser') {
          const teacher = await model<SegmentationModel>(o['teacher'] as string);
          const paraphraser = await model<FeatureParaphraser>(o['paraphraser'] as string);
          const params = paraphraser.trainableVariables().map((variable, i) => ({ key: `p${i}`, variable }));
          estimate = checkParaphraserStageMemory(stageCtx, { teacher, paraphraser, data, batchSize, unlabeled: o['unlabeled'] === true, params, optimizer });
        } else {
          const student = await model<SegmentationModel>((o['model'] ?? o['student']) as string);
          const teacher = o['teacher'] ? await model<SegmentationModel>(o['teacher'] as string) : undefined;
          const params = student.trainableVariables().map((variable, i) => ({ key: `p${i}`, variable }));
          estimate = checkStudentStageMemory(stageCtx, { model: student, ...(teacher ? { teacher } : {}), data, batchSize, unlabeled: o['unlabeled'] === true, params, optimizer });
        }
        assert.ok(estimate, `${file} ${spec.name}: no estimate`);
        assert.ok(estimate.bytes <= PREFLIGHT_SHARE * WASM.memory!.limitBytes);
        report.push(`${file} ${spec.name}: ${(estimate.bytes / 2 ** 20).toFixed(0)} MiB`);
        optimizer.dispose();
      }
    }
  }
  for (const m of cache.values()) m.dispose();
  // The largest recipe estimate, for the docs' table; far below the 3.6 GiB budget.
  assert.ok(report.length >= 30, report.join('\n'));
  if (process.env['GF_PRINT_ESTIMATES'] === '1') console.log(report.join('\n'));
});
