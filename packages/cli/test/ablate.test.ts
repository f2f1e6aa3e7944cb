import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunReport } from '@graphflow/core/host';
import { pickMetrics } from '../src/ablation/run-ablation';
import { firstDifference } from '../src/ablation/resume-run';

const BIN = path.resolve(__dirname, '..', 'src', 'bin.js');

/** Stand-ins for the real stages: a teacher stage that counts how often it trains, and a "distill" stage whose
 * score is a known function of its loss list, so the ablation table can be checked exactly. With a student, the score
 * also gets a hundredth of the student's first Math.random() draw at construction, which initSeed seeds. */
const PLUGIN = `
const fs = require('node:fs');
const path = require('node:path');
const loss = (name) => ({ kind: 'loss', name, ...(name === 'ce' ? { role: 'supervised' } : {}), description: name, schema: { type: 'object', properties: { pairs: { type: 'integer' } }, additionalProperties: false }, create: () => ({ name }) });
module.exports = {
  name: 'acme-ablation',
  register(api) {
    for (const n of ['ce', 'kd', 'graph-flow', 'at']) api.component(loss(n));
    api.component({ kind: 'backbone', name: 'tiny', description: 'tiny', schema: { type: 'object' }, create: () => ({ draw: Math.random() }) });
    api.component({ kind: 'stage', name: 'teach', description: 'teacher', schema: { type: 'object' }, create: () => ({
      async run(ctx) { fs.writeFileSync(path.join(ctx.dir, 'teacher.txt'), 'trained'); fs.appendFileSync(path.join(ctx.run.root, '..', '..', 'teach-count.txt'), 'x'); return {}; },
      async restore(ctx) { if (fs.readFileSync(path.join(ctx.dir, 'teacher.txt'), 'utf8') !== 'trained') throw new Error('no teacher'); },
    }) });
    api.component({ kind: 'stage', name: 'distill', description: 'distill', schema: { type: 'object', properties: {
      losses: { type: 'array', items: { type: 'object', gfComponent: 'loss' } }, student: { type: 'string', gfRef: 'models' } }, additionalProperties: false },
      create: (o) => ({ async run(ctx) {
        const score = { 'loss/ce': 0.5, 'loss/kd': 0.1, 'loss/graph-flow': 0.2, 'loss/at': 0.05 };
        const init = o.student ? (await ctx.resolve(o.student)).draw / 100 : 0;
        const dice = init + o.losses.reduce((s, l) => s + score[l.type] + ((l.options && l.options.pairs) || 0) / 100, 0);
        return { metrics: { dice, iou: dice / 2 } };
      } }) });
  },
};
`;

test('ablate trains earlier stages once and tabulates each variant of the stage', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-ablate-'));
  await fs.mkdir(path.join(work, 'acme'));
  await fs.writeFile(path.join(work, 'acme', 'index.js'), PLUGIN);
  const manifest = {
    name: 'abl',
    defaultPlugins: false,
    plugins: ['./acme'],
    stages: [
      { name: 'teacher', type: 'stage/teach' },
      { name: 'distill', type: 'stage/distill', options: { losses: [{ type: 'loss/ce' }, { type: 'loss/kd' }, { type: 'loss/graph-flow' }] } },
    ],
  };
  await fs.writeFile(path.join(work, 'm.json'), JSON.stringify(manifest));
  const out = path.join(work, 'abl');
  const r = spawnSync(process.execPath, [BIN, 'ablate', 'm.json', '--allow-plugins', '--stage', 'distill', '--preset', 'losses', '--metrics', 'dice,iou', '--out', out, '--log-level', 'silent'], { cwd: work, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(await fs.readFile(path.join(out, 'ablation.json'), 'utf8'));
  const dice = Object.fromEntries(result.rows.map((row: { variant: string; metrics: { dice: number } }) => [row.variant, row.metrics.dice]));
  assert.deepEqual(Object.keys(dice), ['none', '+kd', '+graph-flow', 'all']);
  assert.ok(Math.abs(dice['none'] - 0.5) < 1e-9 && Math.abs(dice['+kd'] - 0.6) < 1e-9 && Math.abs(dice['+graph-flow'] - 0.7) < 1e-9 && Math.abs(dice['all'] - 0.8) < 1e-9);
  assert.equal(await fs.readFile(path.join(work, 'teach-count.txt'), 'utf8'), 'x', 'the teacher trained once, in the base run');
  const md = await fs.readFile(path.join(out, 'ablation.md'), 'utf8');
  assert.match(md, /\| \+graph-flow \| 0\.7000 \| 0\.3500 \| done \|/);
  const png = await fs.readFile(path.join(out, 'ablation.png'));
  assert.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');

  const pairs = spawnSync(process.execPath, [BIN, 'ablate', 'm.json', '--allow-plugins', '--stage', 'distill', '--preset', 'pairs', '--metrics', 'dice', '--log-level', 'silent', '--out', path.join(work, 'pairs')], { cwd: work, encoding: 'utf8' });
  assert.equal(pairs.status, 0, pairs.stderr);
  assert.match(pairs.stdout, /\| \|L\|=3 \| 0\.8300 \|/);

  // --base reuses the finished base run: the teacher does not train again.
  const trainedBefore = await fs.readFile(path.join(work, 'teach-count.txt'), 'utf8');
  const reused = spawnSync(process.execPath, [BIN, 'ablate', 'm.json', '--allow-plugins', '--stage', 'distill', '--preset', 'losses', '--metrics', 'dice', '--log-level', 'silent', '--base', path.join(out, 'base'), '--out', path.join(work, 'reused')], { cwd: work, encoding: 'utf8' });
  assert.equal(reused.status, 0, reused.stderr);
  assert.match(reused.stdout, /\| all \| 0\.8000 \|/);
  assert.equal(await fs.readFile(path.join(work, 'teach-count.txt'), 'utf8'), trainedBefore, 'the teacher was reused from --base, not trained again');
  await fs.mkdir(path.join(work, 'not-a-run'));
  const notRun = spawnSync(process.execPath, [BIN, 'ablate', 'm.json', '--allow-plugins', '--stage', 'distill', '--base', path.join(work, 'not-a-run'), '--log-level', 'silent'], { cwd: work, encoding: 'utf8' });
  assert.equal(notRun.status, 2);
  assert.match(notRun.stderr, /GF_RESUME_INVALID[\s\S]*not a finished run folder/);
  const unknown = spawnSync(process.execPath, [BIN, 'ablate', 'm.json', '--allow-plugins', '--stage', 'distill', '--preset', 'losses', '--baseline', 'nope', '--log-level', 'silent'], { cwd: work, encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--baseline "nope" is not one of the variants \(none, \+kd, \+graph-flow, all\)/);

  const bad = spawnSync(process.execPath, [BIN, 'ablate', 'm.json', '--allow-plugins', '--stage', 'distil'], { cwd: work, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no stage named "distil".*did you mean "distill"/);
});

interface SeedRow {
  variant: string;
  status: string;
  runDir: string;
  metrics: Record<string, number>;
  sd: Record<string, number>;
  seeds: { seed: number; status: string; runDir: string; metrics: Record<string, number> }[];
}

test('ablate --seeds repeats each variant over initial-weight seeds and reports mean ± sd', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-ablate-seeds-'));
  await fs.mkdir(path.join(work, 'acme'));
  await fs.writeFile(path.join(work, 'acme', 'index.js'), PLUGIN);
  const distill = { name: 'distill', type: 'stage/distill', options: { losses: [{ type: 'loss/ce' }, { type: 'loss/kd' }] } };
  const base = { name: 'abl', defaultPlugins: false, plugins: ['./acme'], models: { student: { type: 'backbone/tiny' } } };
  await fs.writeFile(path.join(work, 'm.json'), JSON.stringify({ ...base, stages: [{ name: 'teacher', type: 'stage/teach' }, { ...distill, options: { ...distill.options, student: 'models.student' } }] }));
  await fs.writeFile(path.join(work, 'bare.json'), JSON.stringify({ ...base, stages: [{ name: 'teacher', type: 'stage/teach' }, distill] }));
  const ablate = (...args: string[]) => spawnSync(process.execPath, [BIN, 'ablate', '--allow-plugins', '--stage', 'distill', '--log-level', 'silent', ...args], { cwd: work, encoding: 'utf8' });

  const out = path.join(work, 'abl');
  const r = ablate('m.json', '--preset', 'losses', '--metrics', 'dice,iou', '--seeds', '1,2,3', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(await fs.readFile(path.join(out, 'ablation.json'), 'utf8'));
  assert.deepEqual(result.seeds, [1, 2, 3]);
  assert.equal(result.seedEntry, 'models.student');
  const rows = result.rows as SeedRow[];
  assert.deepEqual(rows.map((row) => row.variant), ['none', '+kd']);
  for (const row of rows) {
    assert.equal(row.status, 'done');
    assert.deepEqual(row.seeds.map((s) => [s.seed, s.status, s.runDir]), [1, 2, 3].map((s) => [s, 'done', path.join(row.runDir, `seed-${s}`)]));
    assert.equal(path.dirname(row.runDir), path.join(out, 'variants'));
    for (const s of row.seeds) await fs.access(path.join(s.runDir, 'report.json'));
    const dice = row.seeds.map((s) => s.metrics['dice']!);
    assert.equal(new Set(dice).size, 3, `each seed starts from other weights: ${dice.join(', ')}`);
    for (const metric of ['dice', 'iou']) {
      const values = row.seeds.map((s) => s.metrics[metric]!);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
      assert.ok(Math.abs(row.metrics[metric]! - mean) < 1e-12 && Math.abs(row.sd[metric]! - sd) < 1e-12, `${row.variant} ${metric}`);
    }
  }
  // The same seed gives the same student in every variant, so variants differ by their losses only.
  rows[0]!.seeds.forEach((s, i) => assert.ok(Math.abs(rows[1]!.seeds[i]!.metrics['dice']! - s.metrics['dice']! - 0.1) < 1e-9));
  const md = await fs.readFile(path.join(out, 'ablation.md'), 'utf8');
  assert.match(md, /mean ± sd over initSeed 1,2,3 of models\.student/);
  assert.match(md, /\| \+kd \| 0\.\d{4} ± 0\.\d{4} \| 0\.\d{4} ± 0\.\d{4} \| done \|/);
  // These stand-in stages validate nothing: no curves section and no curves figure rather than an empty one.
  assert.doesNotMatch(md, /Validation curves/);
  await assert.rejects(fs.access(path.join(out, 'ablation-curves.png')));

  const badSeeds = ablate('m.json', '--seeds', '1,x', '--out', path.join(work, 'bad-seeds'));
  assert.equal(badSeeds.status, 2);
  assert.match(badSeeds.stderr, /--seeds "1,x": "x" is not a seed/);

  const noStudent = ablate('bare.json', '--seeds', '1,2', '--out', path.join(work, 'no-student'));
  assert.equal(noStudent.status, 2);
  assert.match(noStudent.stderr, /GF_MANIFEST_INVALID: .*at \/stages\/1: stage "distill" has no options\.student or options\.model/);
  const badEntry = ablate('bare.json', '--seeds', '1,2', '--seed-entry', 'models.studnet', '--out', path.join(work, 'bad-entry'));
  assert.equal(badEntry.status, 2);
  assert.match(badEntry.stderr, /--seed-entry "models\.studnet" is not a models\.\* entry.*did you mean "models\.student"/);
  for (const dir of ['bad-seeds', 'no-student', 'bad-entry']) await assert.rejects(fs.access(path.join(work, dir)), `${dir} was not created`);
  assert.equal(await fs.readFile(path.join(work, 'teach-count.txt'), 'utf8'), 'x', 'only the first ablation trained');
});

test('ablate --resume keeps finished runs of the same manifest, runs what is missing and refuses a folder that ran something else', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-ablate-resume-'));
  await fs.mkdir(path.join(work, 'acme'));
  await fs.writeFile(path.join(work, 'acme', 'index.js'), PLUGIN);
  const distill = { name: 'distill', type: 'stage/distill', options: { losses: [{ type: 'loss/ce' }, { type: 'loss/kd' }], student: 'models.student' } };
  await fs.writeFile(path.join(work, 'm.json'), JSON.stringify({ name: 'abl', defaultPlugins: false, plugins: ['./acme'], models: { student: { type: 'backbone/tiny' } }, stages: [{ name: 'teacher', type: 'stage/teach' }, distill] }));
  const ablate = (...args: string[]) => spawnSync(process.execPath, [BIN, 'ablate', 'm.json', '--allow-plugins', '--stage', 'distill', '--preset', 'losses', '--metrics', 'dice', '--log-level', 'silent', ...args], { cwd: work, encoding: 'utf8' });
  const out = path.join(work, 'abl');
  assert.equal(ablate('--seeds', '1,2', '--out', out).status, 0);
  const kept = path.join(out, 'variants', 'none', 'seed-1', 'report.json');
  const before = await fs.readFile(kept, 'utf8');
  const first = JSON.parse(await fs.readFile(path.join(out, 'ablation.json'), 'utf8')) as { rows: SeedRow[] };

  // Without --resume an existing folder is never written into.
  const again = ablate('--seeds', '1,2,3', '--out', out);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /GF_RUN_DIR_EXISTS/);

  const resumed = ablate('--seeds', '1,2,3', '--out', out, '--resume');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(await fs.readFile(kept, 'utf8'), before, 'a finished run is kept as it is');
  assert.equal(await fs.readFile(path.join(work, 'teach-count.txt'), 'utf8'), 'x', 'the base was reused, not trained again');
  const result = JSON.parse(await fs.readFile(path.join(out, 'ablation.json'), 'utf8')) as { rows: SeedRow[] };
  for (const [i, row] of result.rows.entries()) {
    assert.deepEqual(row.seeds.map((s) => [s.seed, s.status]), [[1, 'done'], [2, 'done'], [3, 'done']]);
    assert.deepEqual(row.seeds.slice(0, 2).map((s) => s.metrics['dice']), first.rows[i]!.seeds.map((s) => s.metrics['dice']), `${row.variant}: seeds 1-2 read from the kept runs`);
  }

  // An interrupted run continues in its own folder, still reusing the base's teacher.
  const cut = path.join(out, 'variants', 'kd', 'seed-3');
  const state = JSON.parse(await fs.readFile(path.join(cut, 'state.json'), 'utf8'));
  state.stages.distill.status = 'interrupted';
  await fs.writeFile(path.join(cut, 'state.json'), JSON.stringify(state));
  await fs.rm(path.join(cut, 'report.json'));
  const continued = ablate('--seeds', '1,2,3', '--out', out, '--resume');
  assert.equal(continued.status, 0, continued.stderr);
  assert.equal(JSON.parse(await fs.readFile(path.join(cut, 'report.json'), 'utf8')).status, 'done');
  assert.equal(await fs.readFile(path.join(work, 'teach-count.txt'), 'utf8'), 'x', 'the continued run reused the base too');
  assert.equal(await fs.readFile(kept, 'utf8'), before);

  // A run folder that ran another manifest (here: another name) is an error before anything trains.
  const other = ablate('--seeds', '1,2,3', '--out', out, '--resume', '--set', 'name=abl2');
  assert.equal(other.status, 2);
  assert.match(other.stderr, /GF_RESUME_INVALID: .*variants\/none\/seed-1 ran a different manifest than this ablation would \(first difference at \/name\)/);
  assert.equal(await fs.readFile(kept, 'utf8'), before);

  const noOut = ablate('--seeds', '1,2', '--resume');
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /--resume continues the ablation in an existing folder: give it with --out/);
});

test('firstDifference names the first JSON pointer where two values differ', () => {
  assert.equal(firstDifference({ a: 1, b: [1, { c: 2 }] }, { a: 1, b: [1, { c: 2 }] }), undefined);
  assert.equal(firstDifference({ a: 1, b: [1, { c: 2 }] }, { a: 1, b: [1, { c: 3 }] }), '/b/1/c');
  assert.equal(firstDifference({ a: 1 }, { a: 1, 'x/y': 0 }), '/x~1y');
  assert.equal(firstDifference([1], { 0: 1 }), '/');
});

test('pickMetrics reads the trained model\'s values from an evaluation of several models', () => {
  const report = {
    stages: [
      { name: 'distill', type: 'stage/distill', status: 'done', result: { metrics: { dice: 0.5 } } },
      { name: 'evaluate', type: 'stage/evaluate', status: 'done', result: { metrics: { 'models.teacher': { dice: 0.9, hd95: 2 }, 'models.student': { dice: 0.8, hd95: 3 } } } },
    ],
  } as unknown as RunReport;
  assert.deepEqual(pickMetrics(report, 'distill', ['dice', 'hd95'], 'models.student'), { dice: 0.8, hd95: 3 });
  assert.deepEqual(pickMetrics(report, 'distill', ['dice'], 'models.teacher'), { dice: 0.9 });
  // Without a model the first match is taken, as before (single-model evaluations).
  assert.deepEqual(pickMetrics(report, 'distill', ['dice']), { dice: 0.9 });
});
