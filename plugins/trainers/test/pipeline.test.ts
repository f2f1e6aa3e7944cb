import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { runPipeline, type RunReport } from '@graphflow/core/host';
import { tempDir } from './fixtures/stage-context';

tf.setBackend('cpu');

/** The manifest names the plugins under test by path: the test vouches for them (as --allow-plugins does). */
const TRUSTED = { allowManifestPlugins: true };

/** teacher → paraphraser → semi-supervised distill (CE + factor + adversarial) → evaluate → predict, on fakes. */
function manifest(): Record<string, unknown> {
  return {
    name: 'e2e',
    defaultPlugins: false,
    plugins: [path.resolve(__dirname, '../src/index.js'), path.resolve(__dirname, 'fixtures/fake-components-plugin.js')],
    seed: 7,
    data: { type: 'dataset/fake', options: { train: 4, unlabeled: 4 } },
    models: {
      teacher: { type: 'backbone/tiny', options: { features: 6, seed: 5 } },
      student: { type: 'backbone/tiny', options: { features: 3, seed: 8 } },
      paraphraser: { type: 'module/fake-paraphraser', options: { teacher: 'models.teacher' } },
    },
    stages: [
      { name: 'teacher', type: 'stage/supervised', options: { model: 'models.teacher', epochs: 2, batchSize: 2, losses: [{ type: 'loss/fake-ce' }], validation: { metrics: [{ type: 'metric/dice' }], batchSize: 2 } } },
      { name: 'paraphraser', type: 'stage/paraphraser', options: { teacher: 'models.teacher', paraphraser: 'models.paraphraser', epochs: 1, batchSize: 2 } },
      {
        name: 'distill',
        type: 'stage/distill',
        options: {
          student: 'models.student',
          teacher: 'models.teacher',
          unlabeled: true,
          epochs: 3,
          batchSize: 2,
          checkpointEvery: 1,
          optimizer: { type: 'optimizer/sgd', options: { lr: 0.05 } },
          losses: [
            { type: 'loss/fake-ce' },
            { type: 'loss/fake-factor', weight: 0.5, options: { paraphraser: 'models.paraphraser' } },
            { type: 'loss/fake-adversarial', weight: 0.1, weightSchedule: { type: 'schedule/poly' } },
          ],
          validation: { every: 0 },
        },
      },
      { name: 'evaluate', type: 'stage/evaluate', options: { models: ['models.teacher', 'models.student'], overlays: 1, batchSize: 2 } },
      { name: 'predict', type: 'stage/predict', options: { model: 'models.student' } },
    ],
  };
}

async function writeManifest(dir: string): Promise<string> {
  const file = path.join(dir, 'manifest.json');
  await fs.writeFile(file, JSON.stringify(manifest(), null, 2));
  return file;
}

test('a teacher → paraphraser → distill → evaluate → predict manifest runs end to end through core’s pipeline', async () => {
  const dir = await tempDir('e2e');
  const outcome = await runPipeline({ manifestPath: await writeManifest(dir), outDir: path.join(dir, 'run'), logLevel: 'silent', consent: TRUSTED });
  assert.equal(outcome.report.status, 'done');
  assert.deepEqual(outcome.report.stages.map((s) => `${s.name}:${s.status}`), ['teacher:done', 'paraphraser:done', 'distill:done', 'evaluate:done', 'predict:done']);
  const md = await fs.readFile(path.join(outcome.runDir, 'report.md'), 'utf8');
  assert.match(md, /\| models\.student \|/);
  assert.match(md, /loss-curve\.png/);
  for (const f of ['stages/teacher/final/weights.bin', 'stages/teacher/loss-curve.png', 'stages/paraphraser/final/weights.bin', 'stages/distill/final/weights.bin', 'stages/distill/checkpoints/latest.json', 'stages/predict/predictions/index.json']) {
    await fs.access(path.join(outcome.runDir, f));
  }
  const distill = outcome.report.stages[2]!.result!.metrics!['finalLoss'] as Record<string, number>;
  for (const k of ['ce', 'factor', 'factor@unlabeled', 'adversarial', 'adversarial/discriminator']) assert.ok(k in distill, `missing term ${k}`);
  const report = JSON.parse(await fs.readFile(path.join(outcome.runDir, 'report.json'), 'utf8')) as RunReport;
  assert.equal(report.stages[3]!.result!.models!['models.student']!.architecture, 'backbone/tiny');
});

test('a pipeline interrupted during distillation resumes with --resume to the same final weights', async () => {
  const dir = await tempDir('e2e-resume');
  const file = await writeManifest(dir);
  const reference = await runPipeline({ manifestPath: file, outDir: path.join(dir, 'reference'), logLevel: 'silent', consent: TRUSTED });

  const controller = new AbortController();
  const runDir = path.join(dir, 'interrupted');
  // Abort once the distill stage has written its 3rd checkpoint (mid-epoch 2 of 3).
  const watcher = setInterval(() => {
    void fs.readFile(path.join(runDir, 'stages', 'distill', 'checkpoints', 'latest.json'), 'utf8').then(
      (t) => {
        if ((JSON.parse(t) as { step: number }).step >= 3) controller.abort();
      },
      () => undefined,
    );
  }, 5);
  let first;
  try {
    first = await runPipeline({ manifestPath: file, outDir: runDir, logLevel: 'silent', consent: TRUSTED, signal: controller.signal });
  } finally {
    clearInterval(watcher);
  }
  assert.equal(first.report.status, 'interrupted');
  const resumed = await runPipeline({ resumeDir: runDir, logLevel: 'silent', consent: TRUSTED });
  assert.equal(resumed.report.status, 'done');
  assert.deepEqual(resumed.report.stages.map((s) => `${s.name}:${s.status}`), ['teacher:restored', 'paraphraser:restored', 'distill:done', 'evaluate:done', 'predict:done']);
  const a = await fs.readFile(path.join(reference.runDir, 'stages', 'distill', 'final', 'weights.bin'));
  const b = await fs.readFile(path.join(runDir, 'stages', 'distill', 'final', 'weights.bin'));
  assert.ok(a.equals(b), 'resumed distillation differs from the uninterrupted run');
});
