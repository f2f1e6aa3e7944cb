import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { GraphFlowError } from '../src';
import { loadManifest, mergeManifests, parseOverride, applyOverrides } from '../src/host';
import { tempDir, writeJson } from './support/fixture-plugin';

test('extends: objects deep-merge, null deletes, named arrays merge by name, plugins union', async () => {
  const dir = await tempDir();
  await writeJson(path.join(dir, 'base.json'), {
    name: 'base',
    seed: 1,
    plugins: ['./plugins/a', 'pkg-b'],
    models: { teacher: { type: 'backbone/fake-net', options: { width: 8, heads: 2 } }, extra: { type: 'backbone/fake-net' } },
    stages: [
      { name: 'teach', type: 'stage/train', options: { model: 'models.teacher', epochs: 3 } },
      { name: 'eval', type: 'stage/train', options: { model: 'models.teacher' } },
    ],
  });
  const file = await writeJson(path.join(dir, 'sub', 'child.json'), {
    extends: '../base.json',
    name: 'child',
    plugins: ['pkg-b', './local'],
    models: { teacher: { options: { width: 16 } }, extra: null },
    stages: [{ name: 'teach', options: { epochs: 5 } }, { name: 'more', type: 'stage/train', options: { model: 'models.teacher' } }],
  });
  const loaded = await loadManifest(file);
  const m = loaded.value as Record<string, any>;
  assert.equal(m.name, 'child');
  assert.equal(m.seed, 1);
  assert.deepEqual(m.plugins, [path.join(dir, 'plugins/a'), 'pkg-b', path.join(dir, 'sub/local')]);
  assert.deepEqual(m.models, { teacher: { type: 'backbone/fake-net', options: { width: 16, heads: 2 } } });
  assert.deepEqual(m.stages.map((s: { name: string }) => s.name), ['teach', 'eval', 'more']);
  assert.equal(m.stages[0].options.epochs, 5);
  assert.equal(m.stages[0].options.model, 'models.teacher');
  assert.equal(m.extends, undefined);
  assert.equal(loaded.sources.length, 2);
});

test('plain arrays and scalars replace; a base list of several files merges left to right', () => {
  assert.deepEqual(mergeManifests({ a: [1, 2], b: { c: 1 } }, { a: [3] }), { a: [3], b: { c: 1 } });
  assert.deepEqual(mergeManifests({ a: 1 }, { a: { x: 1 } }), { a: { x: 1 } });
});

test('circular extends fails with GF_MANIFEST_EXTENDS_CYCLE naming the chain', async () => {
  const dir = await tempDir();
  await writeJson(path.join(dir, 'a.json'), { extends: './b.json' });
  await writeJson(path.join(dir, 'b.json'), { extends: './c.json' });
  await writeJson(path.join(dir, 'c.json'), { extends: './a.json' });
  await assert.rejects(loadManifest(path.join(dir, 'a.json')), (e: GraphFlowError) => {
    assert.equal(e.code, 'GF_MANIFEST_EXTENDS_CYCLE');
    assert.match(e.message, /a\.json → .*b\.json → .*c\.json → .*a\.json/);
    assert.equal(e.problems[0]?.pointer, '/extends');
    return true;
  });
});

test('a missing base names the file and pointer that extends it', async () => {
  const dir = await tempDir();
  const file = await writeJson(path.join(dir, 'a.json'), { extends: ['./nope.json'] });
  await assert.rejects(loadManifest(file), (e: GraphFlowError) => e.code === 'GF_MANIFEST_NOT_FOUND' && e.problems[0]?.file === file && e.problems[0]?.pointer === '/extends/0');
});

test('invalid JSON reports line and column', async () => {
  const dir = await tempDir();
  const file = await writeJson(path.join(dir, 'bad.json'), '{\n  "name": "x",\n  "seed": ,\n}');
  await assert.rejects(loadManifest(file), (e: GraphFlowError) => {
    assert.equal(e.code, 'GF_MANIFEST_JSON');
    assert.equal(e.problems[0]?.line, 3);
    assert.equal(e.problems[0]?.column, 11);
    assert.equal(e.exitCode, 2);
    return true;
  });
});

test('overrides: JSON values, indices, stage names, implicit options', () => {
  const m: Record<string, any> = {
    seed: 1,
    models: { student: { type: 'backbone/x', options: { width: 8 } } },
    stages: [{ name: 'a', type: 'stage/train', options: { epochs: 1 } }, { name: 'b', type: 'stage/train', options: {} }],
  };
  applyOverrides(m, ['seed=7', 'stages.1.epochs=5', 'stages.a.options.lr=0.01', 'models.student.width=4', 'models.student.initSeed=3', 'name=trial3', 'stages.b.tags=["x",1]'].map(parseOverride));
  assert.equal(m.seed, 7);
  assert.equal(m.models.student.initSeed, 3); // an entry key, not an option
  assert.equal(m.stages[1].options.epochs, 5);
  assert.equal(m.stages[0].options.lr, 0.01);
  assert.equal(m.models.student.options.width, 4);
  assert.equal(m.name, 'trial3');
  assert.deepEqual(m.stages[1].options.tags, ['x', 1]);
});

test('bad overrides fail with GF_OVERRIDE_INVALID', () => {
  const m = { stages: [{ name: 'a', type: 'stage/train' }] };
  assert.throws(() => parseOverride('no-equals'), (e: GraphFlowError) => e.code === 'GF_OVERRIDE_INVALID');
  assert.throws(() => applyOverrides(m, [parseOverride('stages.4.epochs=1')]), (e: GraphFlowError) => e.code === 'GF_OVERRIDE_INVALID' && /past the end/.test(e.message));
  assert.throws(() => applyOverrides(m, [parseOverride('stages.zz.epochs=1')]), (e: GraphFlowError) => e.code === 'GF_OVERRIDE_INVALID' && /names: a/.test(e.message));
});
