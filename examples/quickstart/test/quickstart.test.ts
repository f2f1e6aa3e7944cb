import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunReport } from '@graphflow/core/host';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.resolve(ROOT, '..', '..', 'packages', 'cli', 'dist', 'src', 'bin.js');
const MANIFEST = path.join(ROOT, 'manifest.json');

test('the two students are the same network from the same initial weights, so the comparison isolates distillation', async () => {
  const manifest = JSON.parse(await fs.readFile(MANIFEST, 'utf8')) as { models: Record<string, unknown> };
  assert.deepEqual(manifest.models['studentAlone'], manifest.models['student']);
  assert.equal(typeof (manifest.models['student'] as { initSeed?: unknown }).initSeed, 'number');
});

test('the quickstart manifest runs end to end in smoke mode and reports the three-way comparison', async () => {
  const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'gf-quickstart-')), 'run');
  const r = spawnSync(process.execPath, [BIN, 'run', MANIFEST, '--smoke', '--out', out, '--log-level', 'warn'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8')) as RunReport;
  assert.equal(report.status, 'done');
  assert.deepEqual(report.stages.map((s) => [s.name, s.status]), [
    ['teacher', 'done'],
    ['studentAlone', 'done'],
    ['paraphraser', 'done'],
    ['distill', 'done'],
    ['evaluate', 'done'],
  ]);
  const metrics = report.stages[4]!.result!.metrics as Record<string, Record<string, number>>;
  for (const model of ['models.teacher', 'models.studentAlone', 'models.student']) {
    for (const m of ['dice', 'iou', 'hd95']) assert.ok(Number.isFinite(metrics[model]![m]), `${model} ${m}`);
    assert.ok(metrics[model]!['dice']! >= 0 && metrics[model]!['dice']! <= 1);
  }
  assert.ok('delta' in metrics['compare']!);
  // The verdict's paired per-case view: every test image scored for both students.
  const c = metrics['compare']!;
  assert.ok(c['pairedCases']! > 0 && c['wins']! + c['losses']! <= c['pairedCases']!, JSON.stringify(c));
  assert.ok(c['ciLow']! <= c['meanDifference']! && c['meanDifference']! <= c['ciHigh']!, JSON.stringify(c));
  // the table the README promises: Dice, IoU, HD95, params, FLOPs per model, and a plain verdict
  assert.match(r.stdout, /\| model \| dice % \| iou % \| accuracy % \| hd95 \| params \| FLOPs @ 64×64 \|/);
  for (const name of ['teacher', 'studentAlone', 'student']) assert.match(r.stdout, new RegExp(`\\n\\| ${name} \\| [\\d.]+ \\|`));
  assert.match(r.stdout, /\*\*student (beats|does NOT beat) studentAlone\*\* on dice/);
  const sizes = report.stages[4]!.result!.models as Record<string, { params: number; flops: number }>;
  assert.ok(sizes['models.student']!.params * 10 < sizes['models.teacher']!.params, 'the student is far smaller than the teacher');
  for (const file of ['report.md', 'manifest.resolved.json', 'run.log']) await fs.access(path.join(out, file));
  const overlays = await fs.readdir(path.join(out, 'stages', 'evaluate', 'overlays'));
  assert.ok(overlays.length > 0 && overlays.every((f) => f.endsWith('.png')));
});
