import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FsTree, flushChanges } from 'nx/src/generators/tree';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { pluginGenerator } from '../src/plugin/generator';
import type { PluginKind } from '../src/plugin/schema';

const KINDS: PluginKind[] = ['loss', 'backbone', 'dataset', 'stage'];

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

test('each kind has its own template: source files named for the kind, the same package and tsconfig', async () => {
  const expected: Record<PluginKind, string[]> = {
    loss: ['src/index.ts', 'src/probe-loss.ts'],
    backbone: ['src/index.ts', 'src/probe-component.ts', 'src/probe-network.ts'],
    dataset: ['src/index.ts', 'src/probe-component.ts', 'src/probe-layout.ts'],
    stage: ['src/index.ts', 'src/probe-stage.ts', 'test/fixtures/toy-data-plugin.ts'],
  };
  for (const kind of KINDS) {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('packages/core/package.json', JSON.stringify({ version: '0.1.0', dependencies: { '@tensorflow/tfjs': '4.22.0' } }));
    await pluginGenerator(tree, { name: 'probe', kind });
    const files = tree.listChanges().map((c) => c.path).filter((p) => p.startsWith('plugins/probe/')).map((p) => p.slice('plugins/probe/'.length)).sort();
    assert.deepEqual(files, ['README.md', 'package.json', ...expected[kind], 'test/probe.test.ts', 'tsconfig.json'].sort(), kind);
    const pkg = JSON.parse(tree.read('plugins/probe/package.json', 'utf-8')!);
    assert.equal(pkg.description, `GraphFlow plugin: the ${kind}/probe ${{ loss: 'distillation loss', backbone: 'segmentation network', dataset: 'dataset layout', stage: 'pipeline stage' }[kind]}.`);
    assert.match(tree.read('plugins/probe/README.md', 'utf-8')!, new RegExp(`\\*\\*\`${kind}/probe\`\\*\\*`));
  }
  await assert.rejects(pluginGenerator(createTreeWithEmptyWorkspace(), { name: 'x', kind: 'hook' as PluginKind }), /kind "hook" is not one of loss, backbone, dataset, stage/);
});

/** The conformance suite each template must pass, by one of its test titles. */
const SUITE_TITLE: Record<PluginKind, string> = {
  loss: 'compute gives a finite float32 scalar with finite gradients',
  backbone: 'logits and every tap have the declared shapes at several sizes',
  dataset: 'training batches have the input size and count, repeat for the same epoch',
  stage: 'a run stopped by the signal resumes to the result of an uninterrupted one',
};

test('the four generated plugins build and pass their conformance suites and own tests inside this workspace', async () => {
  const rel = 'tools/plugin-generator/.e2e';
  const dir = path.join(WORKSPACE, rel);
  await fs.rm(dir, { recursive: true, force: true });
  try {
    const tree = new FsTree(WORKSPACE, false);
    for (const kind of KINDS) await pluginGenerator(tree, { name: `e2e-${kind}`, kind, directory: rel });
    flushChanges(WORKSPACE, tree.listChanges());
    // A nested test run must not inherit the parent runner's IPC context, or it reports to it instead of stdout.
    const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
    for (const kind of KINDS) {
      const pkgDir = path.join(dir, `e2e-${kind}`);
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', pkgDir], { cwd: WORKSPACE, stdio: 'pipe' });
      const testFile = path.join(pkgDir, 'dist', 'test', `e2e-${kind}.test.js`);
      const output = execFileSync(process.execPath, ['--test', '--test-reporter=tap', testFile], { cwd: WORKSPACE, encoding: 'utf8', env });
      assert.match(output, /# fail 0/, kind);
      assert.match(output, /# skipped 0/, kind);
      assert.ok(output.includes(`ok `) && output.includes(`${kind}/e2e-${kind}: ${SUITE_TITLE[kind]}`), `${kind}: the conformance suite ran\n${output.slice(-2000)}`);
      const passed = Number(/# pass (\d+)/.exec(output)?.[1]);
      assert.ok(passed >= 5, `${kind}: ${passed} tests passed`);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
