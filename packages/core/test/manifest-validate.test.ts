import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Registry, GraphFlowError, type Problem } from '../src';
import { loadManifest, validateManifest } from '../src/host';
import { fixturePlugin, tempDir, writeJson } from './support/fixture-plugin';

async function validate(manifest: unknown) {
  const dir = await tempDir();
  const file = await writeJson(path.join(dir, 'm.json'), JSON.stringify(manifest, null, 2));
  const registry = new Registry();
  await registry.use(fixturePlugin);
  return { file, run: async () => validateManifest(await loadManifest(file), registry) };
}

async function problemsOf(manifest: unknown): Promise<{ file: string; problems: Problem[] }> {
  const { file, run } = await validate(manifest);
  try {
    await run();
  } catch (e) {
    assert.ok(e instanceof GraphFlowError);
    assert.equal(e.exitCode, 2);
    return { file, problems: e.problems };
  }
  assert.fail('expected validation to fail');
}

const good = {
  models: { teacher: { type: 'backbone/fake-net', options: { width: 8 } } },
  stages: [{ name: 'teach', type: 'stage/train', options: { model: 'models.teacher', losses: [{ type: 'loss/graph-flow' }] } }],
};

test('a valid manifest resolves with defaults filled at every level', async () => {
  const { run } = await validate(good);
  const { manifest, references } = await run();
  assert.equal(manifest.seed, 42);
  assert.equal(manifest.backend, 'auto');
  assert.deepEqual(manifest.outputs, { dir: 'runs', report: true, figures: true });
  assert.deepEqual(manifest.models['teacher']!.options, { width: 8, heads: 2 });
  assert.equal(manifest.stages[0]!.options['epochs'], 1);
  assert.equal(manifest.stages[0]!.enabled, true);
  // nested component spec got its own defaults
  assert.deepEqual((manifest.stages[0]!.options['losses'] as { options: unknown }[])[0]!.options, { temperature: 4, mode: 'edges' });
  assert.deepEqual(references.map((r) => [r.value, r.pointer]), [['models.teacher', '/stages/0/options/model']]);
});

test('all problems are reported at once, each with code, pointer, line and expectation', async () => {
  const { file, problems } = await problemsOf({
    seeed: 3,
    models: { teacher: { type: 'backbone/fake-net', options: { width: 'wide', depth: 3 } } },
    stages: [
      { name: 'teach', type: 'stage/train', options: { model: 'models.teachr', epochs: 0, losses: [{ type: 'loss/graphflow' }, { type: 'loss/graph-flow', options: { temperature: -1, mode: 'edge' } }] } },
      { type: 'stage/trian', options: {} },
      { name: 'x', options: {} },
    ],
  });
  const byPointer = new Map(problems.map((p) => [p.pointer, p]));
  const expect = (pointer: string, code: string, check?: (p: Problem) => void) => {
    const p = byPointer.get(pointer);
    assert.ok(p, `no problem at ${pointer}; got ${[...byPointer.keys()].join(', ')}`);
    assert.equal(p.code, code, pointer);
    assert.equal(p.file, file);
    assert.ok(typeof p.line === 'number' && p.line > 1, `line for ${pointer}`);
    check?.(p);
  };
  expect('/seeed', 'GF_MANIFEST_INVALID', (p) => assert.equal(p.suggestion, 'seed'));
  expect('/models/teacher/options/width', 'GF_MANIFEST_INVALID', (p) => assert.equal(p.expected, 'integer'));
  expect('/models/teacher/options/depth', 'GF_MANIFEST_INVALID', (p) => assert.match(p.message, /unknown key "depth"/));
  expect('/stages/0/options/epochs', 'GF_MANIFEST_INVALID', (p) => assert.match(p.expected ?? '', />= 1/));
  expect('/stages/0/options/losses/0/type', 'GF_COMPONENT_UNKNOWN', (p) => assert.equal(p.suggestion, 'loss/graph-flow'));
  expect('/stages/0/options/losses/1/options/temperature', 'GF_MANIFEST_INVALID');
  expect('/stages/0/options/losses/1/options/mode', 'GF_MANIFEST_INVALID', (p) => assert.equal(p.suggestion, 'edges'));
  expect('/stages/1/type', 'GF_COMPONENT_UNKNOWN', (p) => assert.equal(p.suggestion, 'stage/train'));
  expect('/stages/2/type', 'GF_MANIFEST_INVALID', (p) => assert.match(p.message, /missing required key "type"/));
  expect('/stages/0/options/model', 'GF_MANIFEST_REF', (p) => assert.equal(p.suggestion, 'models.teacher'));
  assert.ok(problems.length >= 10);
});

test('semantic rules run at validation time and point at the option', async () => {
  const { problems } = await problemsOf({ models: { t: { type: 'backbone/fake-net', options: { width: 9, heads: 2 } } } });
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.code, 'GF_OPTIONS_INVALID');
  assert.equal(problems[0]!.pointer, '/models/t/options/heads');
  assert.match(problems[0]!.message, /not divisible/);
});

test('kinds must fit where they are used, and references must exist', async () => {
  const { problems } = await problemsOf({
    data: { type: 'backbone/fake-net' },
    models: { t: { type: 'stage/train', options: { model: 'models.t' } } },
    stages: [{ name: 'a', type: 'stage/train', options: { model: 'data' } }],
  });
  const codes = problems.map((p) => `${p.code} ${p.pointer}`).sort();
  assert.deepEqual(codes, ['GF_MANIFEST_INVALID /data/type', 'GF_MANIFEST_INVALID /models/t/type', 'GF_MANIFEST_REF /stages/0/options/model'].sort());
});

test('duplicate stage names are refused', async () => {
  const { problems } = await problemsOf({ ...good, stages: [good.stages[0], good.stages[0]] });
  assert.deepEqual(problems.map((p) => [p.code, p.pointer]), [['GF_MANIFEST_INVALID', '/stages/1/name']]);
});

test('unknown backends get a suggestion from the registered backend components', async () => {
  const dir = await tempDir();
  const file = await writeJson(path.join(dir, 'm.json'), { backend: 'wsam' });
  const registry = new Registry();
  await registry.use({ ...fixturePlugin, name: 'b', register: (api) => { for (const n of ['wasm', 'cpu']) api.component({ kind: 'backend', name: n, description: n, schema: {}, create: () => ({}) }); } });
  await assert.rejects(async () => validateManifest(await loadManifest(file), registry), (e: GraphFlowError) => e.problems[0]?.pointer === '/backend' && e.problems[0]?.suggestion === 'wasm');
});
