import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '..', 'src', 'bin.js');

/** Stand-ins for the real stages: a teacher stage that counts how often it trains, and a "distill" stage whose
 * score is a known function of its loss list, so the ablation table can be checked exactly. */
const PLUGIN = `
const fs = require('node:fs');
const path = require('node:path');
const loss = (name) => ({ kind: 'loss', name, description: name, schema: { type: 'object', properties: { pairs: { type: 'integer' } }, additionalProperties: false }, create: () => ({ name }) });
module.exports = {
  name: 'acme-ablation',
  register(api) {
    for (const n of ['ce', 'kd', 'graph-flow', 'at']) api.component(loss(n));
    api.component({ kind: 'stage', name: 'teach', description: 'teacher', schema: { type: 'object' }, create: () => ({
      async run(ctx) { fs.writeFileSync(path.join(ctx.dir, 'teacher.txt'), 'trained'); fs.appendFileSync(path.join(ctx.run.root, '..', '..', 'teach-count.txt'), 'x'); return {}; },
      async restore(ctx) { if (fs.readFileSync(path.join(ctx.dir, 'teacher.txt'), 'utf8') !== 'trained') throw new Error('no teacher'); },
    }) });
    api.component({ kind: 'stage', name: 'distill', description: 'distill', schema: { type: 'object', properties: {
      losses: { type: 'array', items: { type: 'object', gfComponent: 'loss' } } }, additionalProperties: false },
      create: (o) => ({ async run() {
        const score = { 'loss/ce': 0.5, 'loss/kd': 0.1, 'loss/graph-flow': 0.2, 'loss/at': 0.05 };
        const dice = o.losses.reduce((s, l) => s + score[l.type] + ((l.options && l.options.pairs) || 0) / 100, 0);
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
  const r = spawnSync(process.execPath, [BIN, 'ablate', 'm.json', '--stage', 'distill', '--preset', 'losses', '--metrics', 'dice,iou', '--out', out, '--log-level', 'silent'], { cwd: work, encoding: 'utf8' });
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

  const pairs = spawnSync(process.execPath, [BIN, 'ablate', 'm.json', '--stage', 'distill', '--preset', 'pairs', '--metrics', 'dice', '--log-level', 'silent', '--out', path.join(work, 'pairs')], { cwd: work, encoding: 'utf8' });
  assert.equal(pairs.status, 0, pairs.stderr);
  assert.match(pairs.stdout, /\| \|L\|=3 \| 0\.8300 \|/);

  const bad = spawnSync(process.execPath, [BIN, 'ablate', 'm.json', '--stage', 'distil'], { cwd: work, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no stage named "distil".*did you mean "distill"/);
});
