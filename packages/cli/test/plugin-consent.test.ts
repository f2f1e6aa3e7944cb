import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '..', 'src', 'bin.js');
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

function graphflow(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A plugin whose import alone leaves a MARKER file beside it: what a hostile manifest would plant. */
const PLANTED = `
require('node:fs').writeFileSync(require('node:path').join(__dirname, 'MARKER'), 'this plugin ran');
module.exports = { name: 'planted', register() {} };
`;

async function plant(dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'index.js'), PLANTED);
  return dir;
}

async function ran(dir: string): Promise<boolean> {
  const yes = await fs.access(path.join(dir, 'MARKER')).then(
    () => true,
    () => false,
  );
  await fs.rm(path.join(dir, 'MARKER'), { force: true });
  return yes;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The user's project: a package.json in the working directory, optionally allowing plugins. */
async function project(dir: string, allowPlugins?: string[]): Promise<void> {
  await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-project', private: true, ...(allowPlugins ? { graphflow: { allowPlugins } } : {}) }));
}

function assertRefused(r: { code: number | null; err: string }, where: RegExp, module: string): void {
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /^error GF_PLUGIN_NOT_ALLOWED: /);
  assert.match(r.err, where);
  assert.match(r.err, new RegExp(`it would load ${escape(module)}`));
  assert.match(r.err, /runs code with your permissions/);
  assert.match(r.err, /--allow-plugins/);
  assert.match(r.err, new RegExp(`--plugin ${escape(module)}`));
  assert.match(r.err, /"graphflow": \{ "allowPlugins": \[/);
  assert.doesNotMatch(r.err, /^\s+at .*:\d+:\d+\)?$/m, 'no stack trace');
}

test('a plugin in the manifest\'s own plugins list runs only with --allow-plugins, --plugin or graphflow.allowPlugins', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-consent-own-'));
  await project(work);
  const planted = await plant(path.join(work, 'downloaded', 'planted'));
  const module = path.join(planted, 'index.js');
  await fs.writeFile(path.join(work, 'downloaded', 'm.json'), JSON.stringify({ name: 'm', defaultPlugins: false, plugins: ['./planted'], outputs: { dir: 'runs' }, stages: [] }, null, 2));
  const file = path.join('downloaded', 'm.json');
  const where = new RegExp(`${escape(path.join(work, 'downloaded', 'm.json'))}:5:5 at /plugins/0: plugin "${escape(planted)}" is not allowed to run`);

  const validate = graphflow(['validate', file], work);
  assertRefused(validate, where, module);
  assert.match(validate.err, /"allowPlugins": \["\.\/downloaded\/planted\/index\.js"\]/, 'the hint is relative to the project\'s package.json');
  assert.equal(await ran(planted), false, 'validate imported the plugin');
  assertRefused(graphflow(['run', file], work), where, module);
  await assert.rejects(fs.access(path.join(work, 'runs')), 'run wrote nothing');
  for (const args of [['list', '--manifest', file], ['describe', 'stage/x', '--manifest', file], ['summary', file]]) assertRefused(graphflow(args, work), where, module);
  assert.equal(await ran(planted), false, 'a command imported the plugin');
  const json = graphflow(['validate', file, '--json'], work);
  assert.equal(json.code, 2);
  assert.deepEqual(JSON.parse(json.out).problems.map((p: { code: string; pointer: string }) => [p.code, p.pointer]), [['GF_PLUGIN_NOT_ALLOWED', '/plugins/0']]);

  const allowed = graphflow(['validate', file, '--allow-plugins'], work);
  assert.equal(allowed.code, 0, allowed.err);
  assert.match(allowed.out, /plugins: planted/);
  assert.equal(await ran(planted), true);
  const named = graphflow(['validate', file, '--plugin', './downloaded/planted'], work);
  assert.equal(named.code, 0, named.err);
  assert.equal(await ran(planted), true);
  await project(work, ['./downloaded/planted']);
  const listed = graphflow(['validate', file], work);
  assert.equal(listed.code, 0, listed.err);
  assert.equal(await ran(planted), true);
  // A package.json beside the manifest is not the user's: run from elsewhere, the plugin is refused again.
  await fs.writeFile(path.join(work, 'downloaded', 'package.json'), JSON.stringify({ name: 'downloaded', graphflow: { allowPlugins: ['./planted'] } }));
  const elsewhere = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-consent-cwd-'));
  await project(elsewhere);
  assert.equal(graphflow(['validate', path.join(work, file)], elsewhere).code, 2);
  assert.equal(await ran(planted), false);
});

test('a plugin inherited through extends from another folder is refused at the line of the base manifest that names it', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-consent-extends-'));
  await project(work);
  const planted = await plant(path.join(work, 'shared', 'planted'));
  await fs.writeFile(path.join(work, 'shared', 'base.json'), JSON.stringify({ defaultPlugins: false, plugins: ['./planted'] }, null, 2));
  await fs.mkdir(path.join(work, 'mine'));
  await fs.writeFile(path.join(work, 'mine', 'm.json'), JSON.stringify({ extends: '../shared/base.json', name: 'm', stages: [] }, null, 2));
  const r = graphflow(['validate', 'mine/m.json'], work);
  assertRefused(r, new RegExp(`${escape(path.join(work, 'shared', 'base.json'))}:4:5 at /plugins/0: plugin "${escape(planted)}"`), path.join(planted, 'index.js'));
  assert.equal(await ran(planted), false);
  const allowed = graphflow(['validate', 'mine/m.json', '--allow-plugins'], work);
  assert.equal(allowed.code, 0, allowed.err);
  assert.equal(await ran(planted), true);
  await project(work, ['./shared/planted/index.js']);
  assert.equal(graphflow(['validate', 'mine/m.json'], work).code, 0);
  assert.equal(await ran(planted), true);
});

test('a plugin planted in a run folder\'s manifest.resolved.json is refused by eval, export and run --resume until allowed', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-consent-run-'));
  await project(work);
  await fs.writeFile(
    path.join(work, 'tiny.json'),
    JSON.stringify({
      name: 'tiny',
      seed: 1,
      backend: 'cpu',
      data: { type: 'dataset/synthetic', options: { size: 32, count: 8, classes: 2, split: { ratios: { train: 0.5, val: 0.25, test: 0.25 } } } },
      models: { net: { type: 'backbone/unet', options: { inChannels: 1, numClasses: 2, baseWidth: 4, depth: 2 } } },
      stages: [{ name: 'train', type: 'stage/supervised', options: { model: 'models.net', steps: 1, batchSize: 2, losses: [{ type: 'loss/ce' }], validation: { every: 0 } } }],
    }),
  );
  const runDir = path.join(work, 'run');
  const run = graphflow(['run', 'tiny.json', '--out', runDir, '--log-level', 'silent'], work);
  assert.equal(run.code, 0, run.err);
  // Someone hands this run folder over with a plugin added to its saved manifest.
  const resolvedFile = path.join(runDir, 'manifest.resolved.json');
  const resolved = JSON.parse(await fs.readFile(resolvedFile, 'utf8')) as { plugins: unknown[] };
  assert.equal(resolved.plugins.length, 0);
  resolved.plugins.push('./planted');
  await fs.writeFile(resolvedFile, JSON.stringify(resolved, null, 2));
  const planted = await plant(path.join(runDir, 'planted'));
  const where = new RegExp(`${escape(resolvedFile)}:\\d+:\\d+ at /plugins/0: plugin "\\./planted" is not allowed to run`);
  const module = path.join(planted, 'index.js');

  assertRefused(graphflow(['eval', runDir], work), where, module);
  assertRefused(graphflow(['export', runDir, '-o', path.join(work, 'exported')], work), where, module);
  assertRefused(graphflow(['run', '--resume', runDir, '--log-level', 'silent'], work), where, module);
  assert.equal(await ran(planted), false, 'a command imported the run folder\'s plugin');
  await assert.rejects(fs.access(path.join(work, 'exported')));

  const allowed = graphflow(['eval', runDir, '--allow-plugins', '--json'], work);
  assert.equal(allowed.code, 0, allowed.err);
  assert.equal(typeof JSON.parse(allowed.out), 'object');
  assert.equal(await ran(planted), true);
  const named = graphflow(['eval', runDir, '--plugin', module, '--json'], work);
  assert.equal(named.code, 0, named.err);
  assert.equal(await ran(planted), true);
});

test('examples/custom-loss loads its workspace plugin from the repository without any flag, and not from another project', async () => {
  const manifest = path.join(REPO_ROOT, 'examples', 'custom-loss', 'manifest.json');
  const r = graphflow(['validate', 'examples/custom-loss/manifest.json'], REPO_ROOT);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /plugins: .*@graphflow\/plugin-tversky/);
  const other = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-consent-other-'));
  await project(other);
  const elsewhere = graphflow(['validate', manifest], other);
  assert.equal(elsewhere.code, 2);
  assert.match(elsewhere.err, /GF_PLUGIN_NOT_ALLOWED: .*custom-loss\/manifest\.json:\d+:\d+ at \/plugins\/0: plugin "@graphflow\/plugin-tversky" is not allowed to run: it would load package "@graphflow\/plugin-tversky"/);
});
