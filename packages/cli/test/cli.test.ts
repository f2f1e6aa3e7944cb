import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '..', 'src', 'bin.js');

function graphflow(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A third-party plugin in a plain folder outside the workspace: no dependencies, CommonJS, duck-typed. */
const EXTERNAL_PLUGIN = `
const fs = require('node:fs');
const path = require('node:path');
module.exports = {
  name: 'acme-graphflow-echo',
  version: '0.0.1',
  register(api) {
    api.component({
      kind: 'stage',
      name: 'acme-echo',
      description: 'Writes its message into the stage folder.',
      docs: 'Echo stage used to check plugin loading end to end.',
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: {
          message: { type: 'string', default: 'hello', description: 'text to write' },
          repeat: { type: 'integer', minimum: 1, default: 1, description: 'how many times' },
          fail: { type: 'boolean', default: false, description: 'throw instead' }
        }
      },
      create(options) {
        return {
          async run(ctx) {
            if (options.fail) throw new Error('acme stage asked to fail');
            fs.writeFileSync(path.join(ctx.dir, 'echo.txt'), options.message.repeat(options.repeat));
            return { metrics: { chars: options.message.length * options.repeat }, report: 'ECHO REPORT ' + options.message };
          }
        };
      }
    });
  }
};
`;

let work = '';
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-cli-'));
  await fs.mkdir(path.join(work, 'acme-plugin'));
  await fs.writeFile(path.join(work, 'acme-plugin', 'index.js'), EXTERNAL_PLUGIN);
  await fs.writeFile(path.join(work, 'acme-plugin', 'package.json'), JSON.stringify({ name: 'acme-graphflow-echo', main: 'index.js' }));
  await fs.mkdir(path.join(work, 'thrower'));
  await fs.writeFile(path.join(work, 'thrower', 'index.js'), "module.exports = { name: 'thrower', register() { throw new Error('register exploded'); } };");
  // The user's project allows these two folder plugins (graphflow.allowPlugins), so its manifests load them without flags.
  await fs.writeFile(path.join(work, 'package.json'), JSON.stringify({ name: 'cli-test-project', private: true, graphflow: { allowPlugins: ['./acme-plugin', './thrower'] } }));
});

async function manifest(name: string, value: unknown): Promise<string> {
  const file = path.join(work, name);
  await fs.writeFile(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

const echoManifest = (extra: Record<string, unknown> = {}) => ({
  name: 'echo',
  defaultPlugins: false,
  plugins: ['./acme-plugin'],
  outputs: { dir: 'runs' },
  stages: [{ name: 'say', type: 'stage/acme-echo', options: { message: 'hi', repeat: 2 } }],
  ...extra,
});

test('--help and no arguments print usage and exit 0; unknown commands exit 2', () => {
  const help = graphflow(['--help'], work);
  assert.equal(help.code, 0);
  for (const cmd of ['run', 'validate', 'list', 'describe', 'doctor']) assert.match(help.out, new RegExp(`\\n  ${cmd} `));
  assert.equal(graphflow([], work).code, 0);
  const runHelp = graphflow(['run', '--help'], work);
  assert.equal(runHelp.code, 0);
  assert.match(runHelp.out, /--resume <run-dir>/);
  const bad = graphflow(['frobnicate'], work);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown command/);
});

test('a plugin in a folder outside the workspace is listed, described, validated and run', async () => {
  const file = await manifest('echo.json', echoManifest());
  const list = graphflow(['list', 'stage', '--manifest', file], work);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /stage\/acme-echo\s+Writes its message into the stage folder\.\s+\[acme-graphflow-echo\]/);

  const describe = graphflow(['describe', 'stage/acme-echo', '--no-default-plugins', '--plugin', './acme-plugin'], work);
  assert.equal(describe.code, 0, describe.err);
  assert.match(describe.out, /message\s+string\s+"hello"\s+text to write/);
  assert.match(describe.out, /repeat\s+integer >=1\s+1\s+how many times/);

  const valid = graphflow(['validate', file], work);
  assert.equal(valid.code, 0, valid.err);
  assert.match(valid.out, /valid — 0 model\(s\), 1 stage\(s\)/);

  const run = graphflow(['run', file, '--set', 'stages.say.repeat=3', '--log-format', 'json'], work);
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /ECHO REPORT hi/);
  const runDir = /run done: (.*)/.exec(run.out)![1]!.trim();
  assert.equal(await fs.readFile(path.join(runDir, 'stages', 'say', 'echo.txt'), 'utf8'), 'hihihi');
  const report = JSON.parse(await fs.readFile(path.join(runDir, 'report.json'), 'utf8'));
  assert.equal(report.stages[0].result.metrics.chars, 6);
  // logs are JSON lines on stderr, carrying the stage name
  assert.ok(run.err.trim().split('\n').some((l) => JSON.parse(l).stage === 'say'));
});

test('an invalid manifest lists every problem with pointer and line, exits 2 and writes nothing', async () => {
  const file = await manifest(
    'bad.json',
    echoManifest({ outputs: { dir: 'bad-runs' }, seeed: 1, stages: [{ name: 'say', type: 'stage/acme-eco', options: {} }, { name: 'two', type: 'stage/acme-echo', options: { repeat: 0, colour: 'red' } }] }),
  );
  const r = graphflow(['validate', file], work);
  assert.equal(r.code, 2);
  assert.match(r.err, /4 problems/);
  assert.match(r.err, /GF_MANIFEST_INVALID: .*bad\.json:\d+:\d+ at \/seeed: unknown key "seeed".*did you mean "seed"\?/);
  assert.match(r.err, /GF_COMPONENT_UNKNOWN: .*at \/stages\/0\/type: unknown component "stage\/acme-eco".*did you mean "stage\/acme-echo"\?/);
  assert.match(r.err, /at \/stages\/1\/options\/repeat: .*expected >= 1/);
  assert.match(r.err, /at \/stages\/1\/options\/colour: unknown key "colour"/);
  const json = graphflow(['validate', file, '--json'], work);
  assert.equal(json.code, 2);
  assert.equal(JSON.parse(json.out).problems.length, 4);
  const run = graphflow(['run', file], work);
  assert.equal(run.code, 2);
  await assert.rejects(fs.access(path.join(work, 'bad-runs')));
});

test('bad JSON, missing and throwing plugins, and run failures get their codes and exit codes', async () => {
  const broken = await manifest('broken.json', '{ "name": "x",\n  "stages": [ }');
  const j = graphflow(['validate', broken], work);
  assert.equal(j.code, 2);
  assert.match(j.err, /GF_MANIFEST_JSON: .*broken\.json:2:15/);

  const missing = await manifest('missing.json', echoManifest({ plugins: ['./acme-plugin', './nowhere', 'graphflow-plugin-nope'] }));
  const m = graphflow(['validate', missing, '--allow-plugins'], work);
  assert.equal(m.code, 2);
  assert.match(m.err, /GF_PLUGIN_NOT_FOUND: .*missing\.json:\d+:\d+ at \/plugins\/1: cannot load plugin ".*nowhere": no plugin module at/);
  assert.match(m.err, /at \/plugins\/2: cannot load plugin "graphflow-plugin-nope": package "graphflow-plugin-nope" is not installed/);

  const throwing = await manifest('throwing.json', echoManifest({ plugins: ['./acme-plugin', './thrower'] }));
  const t = graphflow(['validate', throwing], work);
  assert.equal(t.code, 2);
  assert.match(t.err, /GF_PLUGIN_REGISTER_FAILED: .*plugin "thrower" threw while registering: register exploded/);

  const failing = await manifest('failing.json', echoManifest({ stages: [{ name: 'say', type: 'stage/acme-echo', options: { fail: true } }] }));
  const f = graphflow(['run', failing, '--log-level', 'silent'], work);
  assert.equal(f.code, 1);
  assert.match(f.err, /GF_STAGE_FAILED: stage "say" failed: acme stage asked to fail/);

  const cycleA = await manifest('cycle-a.json', { extends: './cycle-b.json' });
  await manifest('cycle-b.json', { extends: './cycle-a.json' });
  const c = graphflow(['validate', cycleA], work);
  assert.equal(c.code, 2);
  assert.match(c.err, /GF_MANIFEST_EXTENDS_CYCLE/);

  const ov = graphflow(['run', await manifest('ov.json', echoManifest()), '--set', 'stages.9.repeat=1'], work);
  assert.equal(ov.code, 2);
  assert.match(ov.err, /GF_OVERRIDE_INVALID/);
});

test('list rejects unknown kinds and describe unknown components with a suggestion', async () => {
  const l = graphflow(['list', 'losss', '--no-default-plugins', '--plugin', './acme-plugin'], work);
  assert.equal(l.code, 2);
  assert.match(l.err, /unknown kind "losss"/);
  const d = graphflow(['describe', 'stage/acme-ecko', '--no-default-plugins', '--plugin', './acme-plugin'], work);
  assert.equal(d.code, 2);
  assert.match(d.err, /GF_COMPONENT_UNKNOWN: unknown component "stage\/acme-ecko" — did you mean "stage\/acme-echo"\?/);
});

test('summary builds a manifest\'s models on its backend and reports params and FLOPs at the data size', () => {
  const manifest = path.resolve(__dirname, '..', '..', '..', '..', 'examples', 'quickstart', 'manifest.json');
  const r = graphflow(['summary', manifest, '--json'], work);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as { inputSize: number[]; models: { model: string; architecture: string; params: number; gflops: number }[] };
  assert.deepEqual(s.inputSize, [64, 64]);
  const byName = Object.fromEntries(s.models.map((m) => [m.model, m]));
  assert.equal(byName['teacher']!.architecture, 'backbone/unet');
  assert.ok(Math.abs(byName['teacher']!.params - 1.95e6) < 0.01e6, `teacher params ${byName['teacher']!.params}`);
  assert.equal(byName['student']!.params, byName['studentAlone']!.params);
  assert.ok(Math.abs(byName['student']!.gflops - 0.0141) < 0.0005, `student GFLOPs ${byName['student']!.gflops}`);
  const table = graphflow(['summary', manifest, '--size', '128x128', '--backend', 'cpu'], work);
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /Model sizes at 128×128/);
  assert.match(table.out, /\| teacher \| backbone\/unet \| [\d,]+ \|/);
});

test('export records the dataset-wide normalization statistics a run trained with in the model card', async () => {
  const file = await manifest('stats.json', {
    name: 'stats',
    seed: 3,
    backend: 'cpu',
    data: { type: 'dataset/synthetic', options: { size: 32, count: 8, classes: 2, normalization: { mode: 'zscore', statistics: 'dataset' }, split: { ratios: { train: 0.5, val: 0.25, test: 0.25 } } } },
    models: { net: { type: 'backbone/unet', options: { inChannels: 1, numClasses: 2, baseWidth: 4, depth: 2 } } },
    stages: [{ name: 'train', type: 'stage/supervised', options: { model: 'models.net', steps: 1, batchSize: 2, losses: [{ type: 'loss/ce' }], validation: { every: 0 } } }],
  });
  const runDir = path.join(work, 'stats-run');
  const run = graphflow(['run', file, '--out', runDir], work);
  assert.equal(run.code, 0, run.err);
  const exported = graphflow(['export', runDir, '-o', path.join(work, 'stats-export'), '--json'], work);
  assert.equal(exported.code, 0, exported.err);
  const card = JSON.parse(exported.out) as { preprocessing: { statistics?: { mode: string; mean: number[]; std: number[]; computedOver: { partition: string; images: number } } } };
  const stats = card.preprocessing.statistics!;
  assert.equal(stats.mode, 'zscore');
  assert.equal(stats.mean.length, 1);
  assert.ok(stats.std[0]! > 0 && Number.isFinite(stats.mean[0]!));
  assert.deepEqual(stats.computedOver, { partition: 'train', images: 4 });
});

test('output piped into a reader that stops early (graphflow describe … | head -c 1) ends quietly with exit 0', () => {
  // The reader takes one byte and closes the pipe while graphflow is still writing.
  const r = spawnSync('/bin/bash', ['-c', `"${process.execPath}" "${BIN}" describe loss/graph-flow | head -c 1 > /dev/null; exit \${PIPESTATUS[0]}`], { cwd: work, encoding: 'utf8' });
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled/);
  assert.equal(r.status, 0, r.stderr);
});
