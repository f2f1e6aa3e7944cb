import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FsTree, flushChanges } from 'nx/src/generators/tree';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { pluginGenerator } from '../src/plugin/generator';

const WORKSPACE = path.resolve(__dirname, '..', '..', '..', '..');

test('generates a plugin package with schema, tests and README', async () => {
  const tree = createTreeWithEmptyWorkspace();
  tree.write('packages/core/package.json', JSON.stringify({ version: '0.1.0', dependencies: { '@tensorflow/tfjs': '4.22.0' } }));
  await pluginGenerator(tree, { name: 'soft-l2' });
  const files = tree.listChanges().map((c) => c.path).filter((p) => p.startsWith('plugins/')).sort();
  assert.deepEqual(files, [
    'plugins/soft-l2/README.md',
    'plugins/soft-l2/package.json',
    'plugins/soft-l2/src/index.ts',
    'plugins/soft-l2/src/soft-l2-loss.ts',
    'plugins/soft-l2/test/soft-l2.test.ts',
    'plugins/soft-l2/tsconfig.json',
  ]);
  const pkg = JSON.parse(tree.read('plugins/soft-l2/package.json', 'utf-8')!);
  assert.equal(pkg.name, 'graphflow-plugin-soft-l2');
  assert.equal(pkg.peerDependencies['@tensorflow/tfjs'], '4.22.0');
  assert.match(tree.read('plugins/soft-l2/src/soft-l2-loss.ts', 'utf-8')!, /export class SoftL2Loss implements LossTerm/);
  assert.equal(JSON.parse(tree.read('plugins/soft-l2/tsconfig.json', 'utf-8')!).extends, '../../tsconfig.base.json');
  await assert.rejects(pluginGenerator(tree, { name: 'soft-l2' }), /already holds a package/);
  await assert.rejects(pluginGenerator(tree, { name: 'Bad Name' }), /kebab-case/);
});

test('the generated plugin builds and passes its own tests inside this workspace', async () => {
  const rel = 'tools/plugin-generator/.e2e';
  const dir = path.join(WORKSPACE, rel);
  await fs.rm(dir, { recursive: true, force: true });
  try {
    const tree = new FsTree(WORKSPACE, false);
    await pluginGenerator(tree, { name: 'e2e-probe', directory: rel });
    flushChanges(WORKSPACE, tree.listChanges());
    const pkgDir = path.join(dir, 'e2e-probe');
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', pkgDir], { cwd: WORKSPACE, stdio: 'pipe' });
    const testFile = path.join(pkgDir, 'dist', 'test', 'e2e-probe.test.js');
    // A nested test run must not inherit the parent runner's IPC context, or it reports to it instead of stdout.
    const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
    const output = execFileSync(process.execPath, ['--test', '--test-reporter=tap', testFile], { cwd: WORKSPACE, encoding: 'utf8', env });
    assert.match(output, /# pass 2/);
    assert.match(output, /# fail 0/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
