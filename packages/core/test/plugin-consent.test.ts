import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError, type Problem } from '../src';
import { checkPluginConsent, findTrustedProjects, preparePipeline, runPipeline, openRun, workspaceFolders, type ManifestPluginEntry } from '../src/host';
import { tempDir, writeJson } from './support/fixture-plugin';

/** A plugin whose mere import leaves traces: a marker file beside it and a global flag. */
function plantedPlugin(name: string): string {
  return `
const fs = require('node:fs');
const path = require('node:path');
fs.writeFileSync(path.join(__dirname, 'IMPORTED'), ${JSON.stringify(name)});
globalThis.__gfImported = [...(globalThis.__gfImported || []), ${JSON.stringify(name)}];
module.exports = { name: ${JSON.stringify(name)}, register() {} };
`;
}

async function plant(dir: string, name: string, pkgName?: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'index.js'), plantedPlugin(name));
  if (pkgName) await writeJson(path.join(dir, 'package.json'), { name: pkgName, main: 'index.js' });
  return dir;
}

async function imported(dir: string): Promise<boolean> {
  return fs.access(path.join(dir, 'IMPORTED')).then(
    () => true,
    () => false,
  );
}

function importedGlobals(): string[] {
  return ((globalThis as { __gfImported?: string[] }).__gfImported ?? []).slice();
}

/**
 * root/project: the user's project (a dependency, a workspace package, graphflow.allowPlugins), with installed packages;
 * root/outside: folders a manifest could come from, one with its own package.json and node_modules.
 */
async function layout() {
  const root = await tempDir('gf-consent-');
  const project = path.join(root, 'project');
  await writeJson(path.join(project, 'package.json'), {
    name: 'the-project',
    private: true,
    workspaces: ['plugins/*'],
    dependencies: { 'gf-listed': '1.0.0' },
    devDependencies: { 'gf-dev-listed': '1.0.0' },
    graphflow: { allowPlugins: ['./local/allowed', 'gf-named'] },
  });
  const nm = path.join(project, 'node_modules');
  for (const pkg of ['gf-listed', 'gf-dev-listed', 'gf-unlisted', 'gf-named']) await plant(path.join(nm, pkg), pkg, pkg);
  const ws = await plant(path.join(project, 'plugins', 'ws-plugin'), 'ws-plugin', '@proj/ws-plugin');
  await fs.mkdir(path.join(nm, '@proj'), { recursive: true });
  await fs.symlink(ws, path.join(nm, '@proj', 'ws-plugin'), 'dir');
  await plant(path.join(project, 'local', 'allowed'), 'allowed');
  await plant(path.join(project, 'local', 'other'), 'other');
  const manifests = path.join(project, 'manifests');
  await fs.mkdir(manifests, { recursive: true });
  const outside = path.join(root, 'outside');
  await plant(path.join(outside, 'evil'), 'evil');
  // A downloaded manifest folder: its own package.json and a copy of a package the project lists.
  const downloaded = path.join(outside, 'downloaded');
  await writeJson(path.join(downloaded, 'package.json'), { name: 'downloaded', dependencies: { 'gf-own': '1.0.0' }, graphflow: { allowPlugins: ['./bad'] } });
  await plant(path.join(downloaded, 'node_modules', 'gf-own'), 'gf-own', 'gf-own');
  await plant(path.join(downloaded, 'node_modules', 'gf-listed'), 'shadow', 'gf-listed');
  await plant(path.join(downloaded, 'bad'), 'bad');
  return { root, project, manifests, outside, downloaded, ws };
}

const entry = (reference: string, i = 0, file = '/m.json'): ManifestPluginEntry => ({ reference, pointer: `/plugins/${i}`, file, line: 3, column: 5 });

function refused(problems: Problem[]): string[] {
  return problems.map((p) => p.pointer!);
}

test('consent: packages the project lists (dependencies, workspaces, graphflow.allowPlugins) load; others do not', async () => {
  const { project, manifests } = await layout();
  const ctx = { baseDir: manifests, consent: { projectDir: project } };
  const names = ['gf-listed', 'gf-dev-listed', '@proj/ws-plugin', 'gf-named', 'gf-listed/index.js', 'gf-unlisted', path.join(project, 'local', 'allowed'), path.join(project, 'local', 'other', 'index.js')];
  const problems = checkPluginConsent(names.map((n, i) => entry(n, i)), ctx);
  assert.deepEqual(refused(problems), ['/plugins/5', '/plugins/7']);
  const [unlisted, other] = problems;
  assert.equal(unlisted!.code, 'GF_PLUGIN_NOT_ALLOWED');
  assert.equal(unlisted!.file, '/m.json');
  assert.equal(unlisted!.line, 3);
  assert.match(unlisted!.message, /plugin "gf-unlisted" is not allowed to run: it would load package "gf-unlisted" \(.*node_modules\/gf-unlisted\/index\.js\)/);
  assert.match(unlisted!.message, /runs code with your permissions/);
  assert.match(unlisted!.message, /--allow-plugins/);
  assert.match(unlisted!.message, /--plugin gf-unlisted/);
  assert.match(unlisted!.message, new RegExp(`dependencies of ${path.join(project, 'package.json').replace(/[.\\/]/g, '\\$&')}`));
  assert.match(other!.message, new RegExp(`it would load ${path.join(project, 'local', 'other', 'index.js').replace(/[.\\/]/g, '\\$&')}`));
  assert.match(other!.message, /"graphflow": \{ "allowPlugins": \["\.\/local\/other\/index\.js"\] \}/);
});

test('consent: a path outside the project, a manifest folder\'s own package.json and a copy of a listed package beside the manifest are refused', async () => {
  const { project, outside, downloaded } = await layout();
  const ctx = { baseDir: downloaded, consent: { projectDir: project } };
  const problems = checkPluginConsent([entry(path.join(outside, 'evil')), entry('gf-own', 1), entry(path.join(downloaded, 'bad'), 2), entry('gf-listed', 3)], ctx);
  assert.deepEqual(refused(problems), ['/plugins/0', '/plugins/1', '/plugins/2', '/plugins/3']);
  assert.match(problems[0]!.message, new RegExp(`would load ${path.join(outside, 'evil', 'index.js').replace(/[.\\/]/g, '\\$&')}`));
  assert.match(problems[3]!.message, /package "gf-listed" is trusted \(in dependencies of .*\), but here it resolves to .*downloaded\/node_modules\/gf-listed\/index\.js instead of the project's copy .*project\/node_modules\/gf-listed\/index\.js/);
  // The same copy, seen from the project, is fine.
  assert.deepEqual(checkPluginConsent([entry('gf-listed')], { baseDir: path.join(project, 'manifests'), consent: { projectDir: project } }), []);
});

test('consent: --allow-plugins, --plugin (same resolved module), consent.allowed and GraphFlow\'s own plugins', async () => {
  const { project, outside } = await layout();
  const evil = path.join(outside, 'evil');
  const entries = [entry(evil), entry(path.join(evil, 'index.js'), 1)];
  assert.equal(checkPluginConsent(entries, { baseDir: outside, consent: { projectDir: project } }).length, 2);
  assert.deepEqual(checkPluginConsent(entries, { baseDir: outside, consent: { projectDir: project, allowManifestPlugins: true } }), []);
  // --plugin is resolved against the working directory; the folder and its index.js are the same module.
  assert.deepEqual(checkPluginConsent(entries, { baseDir: outside, cwd: outside, extraPlugins: ['./evil'], consent: { projectDir: project } }), []);
  assert.deepEqual(checkPluginConsent(entries, { baseDir: outside, cwd: outside, consent: { projectDir: project, allowed: ['./evil/index.js'] } }), []);
  assert.equal(checkPluginConsent(entries, { baseDir: outside, cwd: outside, extraPlugins: ['./other'], consent: { projectDir: project } }).length, 2);
  // GraphFlow's own plugins (the default list) are trusted when a manifest names them.
  assert.deepEqual(checkPluginConsent([entry('gf-unlisted')], { baseDir: project, cwd: project, defaultPlugins: ['gf-unlisted'], consent: { projectDir: path.join(outside, 'evil') } }), []);
});

test('consent: the project is the nearest package.json above the working directory, with its workspace root when it is a workspace package', async () => {
  const { project, ws, outside } = await layout();
  assert.deepEqual(findTrustedProjects(path.join(project, 'manifests')).map((p) => p.packageJson), [path.join(project, 'package.json')]);
  const fromWorkspace = findTrustedProjects(path.join(ws, 'sub-folder-that-does-not-exist'));
  assert.deepEqual(fromWorkspace.map((p) => p.packageJson), [path.join(ws, 'package.json'), path.join(project, 'package.json')]);
  assert.equal(fromWorkspace[1]!.names.get('@proj/ws-plugin'), 'workspace package plugins/ws-plugin');
  // From inside the workspace package, the root's dependencies still count.
  assert.deepEqual(checkPluginConsent([entry('gf-listed')], { baseDir: path.join(project, 'manifests'), consent: { projectDir: ws } }), []);
  // Without any package.json, only the flags allow a plugin, and the hint says where a package.json would go.
  const none = checkPluginConsent([entry(path.join(outside, 'evil'))], { baseDir: outside, consent: { projectDir: path.join(outside, 'evil') } });
  if (findTrustedProjects(path.join(outside, 'evil')).length === 0) assert.match(none[0]!.message, /a package\.json in the folder you run graphflow from/);
});

test('a manifest plugin that is not allowed is never imported, nor any other plugin while one is refused', async () => {
  const { project, outside } = await layout();
  const evil = path.join(outside, 'evil');
  const allowedDir = path.join(project, 'local', 'allowed');
  const file = await writeJson(path.join(project, 'manifests', 'm.json'), { name: 'x', defaultPlugins: false, plugins: [allowedDir, evil], stages: [] });
  const before = importedGlobals();
  await assert.rejects(preparePipeline(file, [], { defaultPlugins: [], consent: { projectDir: project } }), (e: GraphFlowError) => {
    assert.equal(e.code, 'GF_PLUGIN_NOT_ALLOWED');
    assert.equal(e.exitCode, 2);
    assert.equal(e.problems.length, 1);
    assert.equal(e.problems[0]!.file, file);
    assert.equal(e.problems[0]!.pointer, '/plugins/1');
    assert.ok(e.problems[0]!.line !== undefined && e.problems[0]!.column !== undefined);
    return true;
  });
  assert.equal(await imported(evil), false, 'the refused plugin was not executed');
  assert.equal(await imported(allowedDir), false, 'nothing was imported while one plugin was refused');
  assert.deepEqual(importedGlobals(), before);

  const prepared = await preparePipeline(file, [], { defaultPlugins: [], consent: { projectDir: project, allowManifestPlugins: true } });
  assert.deepEqual(prepared.registry.listPlugins().map((p) => p.name), ['allowed', 'evil']);
  assert.equal(await imported(evil), true);
});

test('an inherited plugin (extends, another folder) is reported in the base manifest that names it; a run folder\'s plugins need consent too', async () => {
  const { project, outside } = await layout();
  const base = await writeJson(path.join(outside, 'shared', 'base.json'), { defaultPlugins: false, plugins: ['../evil'] });
  const file = await writeJson(path.join(project, 'manifests', 'child.json'), { extends: path.relative(path.join(project, 'manifests'), base), name: 'child', plugins: ['../local/allowed'], stages: [] });
  await assert.rejects(preparePipeline(file, [], { defaultPlugins: [], consent: { projectDir: project } }), (e: GraphFlowError) => {
    assert.equal(e.code, 'GF_PLUGIN_NOT_ALLOWED');
    assert.deepEqual(e.problems.map((p) => [p.file, p.pointer, p.line]), [[base, '/plugins/0', 4]]);
    assert.match(e.problems[0]!.message, /plugin ".*outside\/evil" is not allowed to run: it would load .*outside\/evil\/index\.js/);
    return true;
  });
  assert.equal(await imported(path.join(outside, 'evil')), false);

  // A run folder: its manifest.resolved.json names the plugin; reopening it (eval, predict, export, --resume) asks again.
  // A run folder as one could be handed over: its manifest.resolved.json names a plugin inside it.
  const runDir = path.join(outside, 'handed-over-run');
  const resolvedFile = await writeJson(path.join(runDir, 'manifest.resolved.json'), { name: 'r', defaultPlugins: false, plugins: [path.join(project, 'local', 'allowed'), './planted'], stages: [] });
  await writeJson(path.join(runDir, 'state.json'), { manifestFile: path.join(project, 'manifests', 'run.json'), stages: {} });
  await plant(path.join(runDir, 'planted'), 'planted');
  for (const open of [() => openRun(runDir, { defaultPlugins: [], consent: { projectDir: project }, logLevel: 'silent' }), () => runPipeline({ resumeDir: runDir, defaultPlugins: [], consent: { projectDir: project }, logLevel: 'silent' })]) {
    await assert.rejects(open(), (e: GraphFlowError) => e.code === 'GF_PLUGIN_NOT_ALLOWED' && e.problems[0]!.file === resolvedFile && e.problems[0]!.pointer === '/plugins/1');
  }
  assert.equal(await imported(path.join(runDir, 'planted')), false);
  const opened = await openRun(runDir, { defaultPlugins: [], consent: { projectDir: project, allowed: [path.join(runDir, 'planted')] }, logLevel: 'silent' });
  assert.ok(opened.registry.listPlugins().some((p) => p.name === 'planted'));
});

test('workspaceFolders maps npm workspaces as npm does: folders with a package.json, ** at any depth, ! excludes, node_modules never', async () => {
  const root = await tempDir();
  for (const folder of ['pkgs/a', 'pkgs/skip', 'pkgs/no-manifest', 'deep/x/y', 'deep/node_modules/z', 'apps/web']) {
    await fs.mkdir(path.join(root, folder), { recursive: true });
    if (!folder.endsWith('no-manifest')) await writeJson(path.join(root, folder, 'package.json'), { name: folder.replace(/\//g, '-') });
  }
  const found = workspaceFolders(root, { workspaces: ['pkgs/*', 'deep/**', 'apps/web/', '!pkgs/skip'] }).map((f) => path.relative(root, f).split(path.sep).join('/')).sort();
  assert.deepEqual(found, ['apps/web', 'deep/x/y', 'pkgs/a']);
  assert.deepEqual(workspaceFolders(root, { workspaces: { packages: ['apps/*'] } }).map((f) => path.relative(root, f)), ['apps/web'.split('/').join(path.sep)]);
  assert.deepEqual(workspaceFolders(root, { workspaces: 'pkgs/*' }), []);
});
