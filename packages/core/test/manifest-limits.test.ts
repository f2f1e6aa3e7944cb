import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES, GraphFlowError, Registry } from '../src';
import { MANIFEST_LIMITS, applyOverrides, findExcessiveNesting, loadManifest, mergeManifests, parseOverride, validateManifest } from '../src/host';
import { fixturePlugin, tempDir, writeJson } from './support/fixture-plugin';

const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');

/** Asserts `promise` rejects with a GraphFlowError of `code`; returns it. */
async function rejectsWith(promise: Promise<unknown> | (() => unknown), code: string): Promise<GraphFlowError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    assert.ok(e instanceof GraphFlowError, `expected a GraphFlowError, got ${(e as Error)?.stack ?? String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  return assert.fail(`expected ${code}`);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t };
}

const good = {
  models: { teacher: { type: 'backbone/fake-net', options: { width: 8 } } },
  stages: [{ name: 'teach', type: 'stage/train', options: { model: 'models.teacher' } }],
};

test('GF_MANIFEST_LIMIT is a coded input error whose description lists every limit', () => {
  const text = ERROR_CODES.GF_MANIFEST_LIMIT;
  for (const fragment of ['4 MiB', 'nesting depth 64', '10,000 entries', '64 KiB', 'chains of 16 files', '64 files']) assert.ok(text.includes(fragment), `${fragment} in: ${text}`);
  assert.equal(new GraphFlowError('GF_MANIFEST_LIMIT', 'x').exitCode, 2);
});

test('--set refuses __proto__, constructor and prototype segments, and Object.prototype stays unchanged', async () => {
  const before = protoKeys();
  const dir = await tempDir();
  const file = await writeJson(path.join(dir, 'm.json'), good);
  for (const text of ['models.__proto__.type=backbone/unet', '__proto__.polluted=yes', 'constructor.prototype.polluted=1', 'models.teacher.prototype=1', 'stages.0.__proto__.x=1']) {
    const e = await rejectsWith(() => parseOverride(text), 'GF_OVERRIDE_INVALID');
    assert.match(e.message, /not allowed/);
  }
  // Overrides built in code (as ablation variants are) are checked where they are applied.
  for (const p of ['models.__proto__.type', '__proto__.polluted', 'models.teacher.constructor.x']) {
    await rejectsWith(() => applyOverrides({ models: { teacher: {} } }, [{ path: p, value: 'backbone/fake-net', source: p }]), 'GF_OVERRIDE_INVALID');
    await rejectsWith(loadManifest(file, [{ path: p, value: 'yes', source: p }]), 'GF_OVERRIDE_INVALID');
  }
  // A value whose JSON has a "__proto__" key (JSON.parse keeps it as an own key).
  const e = await rejectsWith(() => parseOverride('models.teacher.options={"__proto__":{"polluted":"yes"}}'), 'GF_OVERRIDE_INVALID');
  assert.match(e.message, /"__proto__" is not allowed/);
  await rejectsWith(loadManifest(file, [{ path: 'models.teacher.options', value: JSON.parse('{"a":{"__proto__":{"polluted":1}}}'), source: 'x' }]), 'GF_OVERRIDE_INVALID');
  // Only own properties are followed: `toString` is a new key, not Object.prototype.toString.
  const m: Record<string, any> = { models: {} };
  applyOverrides(m, [parseOverride('models.toString.type=backbone/fake-net')]);
  assert.deepEqual(Object.keys(m.models), ['toString']);
  assert.equal(protoKeys(), before);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(({} as Record<string, unknown>)['type'], undefined);
});

test('a "__proto__" / "constructor" / "prototype" key in a manifest file is GF_MANIFEST_INVALID with file, pointer and line', async () => {
  const before = protoKeys();
  const dir = await tempDir();
  const cases: [string, string, number][] = [
    ['{\n  "models": {\n    "__proto__": { "type": "backbone/fake-net" }\n  }\n}', '/models/__proto__', 3],
    ['{\n  "models": {\n    "\\u005f_proto__": { "polluted": "yes" }\n  }\n}', '/models/__proto__', 3],
    ['{\n  "seed": 1,\n  "__proto__": 5\n}', '/__proto__', 3],
    ['{\n  "stages": [\n    { "type": "stage/train", "constructor": { "prototype": {} } }\n  ]\n}', '/stages/0/constructor', 3],
    ['{\n  "models": { "prototype": {} }\n}', '/models/prototype', 2],
  ];
  for (const [i, [text, pointer, line]] of cases.entries()) {
    const file = path.join(dir, `p${i}.json`);
    await fs.writeFile(file, text);
    const e = await rejectsWith(loadManifest(file), 'GF_MANIFEST_INVALID');
    assert.equal(e.problems[0]?.file, file);
    assert.equal(e.problems[0]?.pointer, pointer, e.message);
    assert.equal(e.problems[0]?.line, line, e.message);
    assert.match(e.message, /is not allowed/);
  }
  // In a base, too: the error names the base.
  const base = path.join(dir, 'base.json');
  await fs.writeFile(base, '{"models": {"__proto__": {"type": "backbone/fake-net"}}}');
  const child = await writeJson(path.join(dir, 'child.json'), { extends: './base.json' });
  assert.equal((await rejectsWith(loadManifest(child), 'GF_MANIFEST_INVALID')).problems[0]?.file, base);
  // mergeManifests itself refuses one (callers outside the loader).
  const bad = JSON.parse('{"__proto__": {"polluted": 1}}') as unknown;
  await rejectsWith(() => mergeManifests({ a: 1 }, bad), 'GF_MANIFEST_INVALID');
  assert.equal(protoKeys(), before);
});

test('5,000-deep valid JSON is GF_MANIFEST_LIMIT "nesting deeper than 64" with line and column, not invalid JSON or a stack overflow', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'deep.json');
  await fs.writeFile(file, `{\n  "seed": 1,\n  "models": ${'['.repeat(5000)}${']'.repeat(5000)}\n}`);
  const e = await rejectsWith(loadManifest(file), 'GF_MANIFEST_LIMIT');
  assert.match(e.message, /nesting deeper than 64/);
  assert.match(e.message, /5,001 levels/);
  assert.equal(e.problems[0]?.file, file);
  assert.equal(e.problems[0]?.line, 3);
  assert.equal(e.problems[0]?.column, 13 + 63);
  assert.equal(e.problems[0]?.pointer, `/models${'/0'.repeat(63)}`);
  // Objects, 100,000 deep; and as deep in a base.
  await fs.writeFile(file, `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
  assert.match((await rejectsWith(loadManifest(file), 'GF_MANIFEST_LIMIT')).message, /nesting deeper than 64/);
  const child = await writeJson(path.join(dir, 'child.json'), { extends: './deep.json' });
  await rejectsWith(loadManifest(child), 'GF_MANIFEST_LIMIT');
  // 64 levels are fine.
  await fs.writeFile(file, `{"description": "x", "outputs": {"dir": "runs"}, "models": {}, "stages": [], "x": ${'['.repeat(63)}${']'.repeat(63)}}`);
  await loadManifest(file);
  // A deep --set value or path.
  await rejectsWith(() => parseOverride(`models.a=${'['.repeat(5000)}${']'.repeat(5000)}`), 'GF_MANIFEST_LIMIT');
  await rejectsWith(() => parseOverride(`${Array.from({ length: 70 }, () => 'a').join('.')}=1`), 'GF_MANIFEST_LIMIT');
});

test('the nesting scan ignores brackets in strings and names the pointer with escapes', () => {
  assert.equal(findExcessiveNesting('{"a": "[[[[[[", "b": [[1]]}', 3), undefined);
  assert.deepEqual(findExcessiveNesting('{"a": "x", "b/c~": [0, [[1]]]}', 3), { position: 24, pointer: '/b~1c~0/1/0', depth: 4 });
  assert.deepEqual(findExcessiveNesting('{"\\u0061\\"": {"k": [[]]}}', 3), { position: 20, pointer: '/a"/k/0', depth: 4 });
  assert.equal(findExcessiveNesting('{"a": "\\\\", "b": [[]]}', 3), undefined);
});

test('entries, strings, file size and numbers past the limits are GF_MANIFEST_LIMIT naming the pointer, limit and value', async () => {
  const dir = await tempDir();
  const big = await writeJson(path.join(dir, 'many.json'), { ...good, stages: [{ ...good.stages[0], options: { model: 'models.teacher', losses: Array.from({ length: 10_001 }, () => ({ type: 'loss/graph-flow' })) } }] });
  let e = await rejectsWith(loadManifest(big), 'GF_MANIFEST_LIMIT');
  assert.equal(e.problems[0]?.pointer, '/stages/0/options/losses');
  assert.match(e.message, /10,001 items is longer than the limit of 10,000/);
  assert.ok(e.problems[0]?.line);

  const long = await writeJson(path.join(dir, 'long.json'), { ...good, description: 'x'.repeat(MANIFEST_LIMITS.maxStringLength + 1) });
  e = await rejectsWith(loadManifest(long), 'GF_MANIFEST_LIMIT');
  assert.equal(e.problems[0]?.pointer, '/description');
  assert.match(e.message, /65,537 characters is longer than the limit of 65,536/);

  // Each base is inside the limit, their merge is not.
  const half = (from: number) => Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`m${from + i}`, { type: 'backbone/fake-net' }]));
  await writeJson(path.join(dir, 'a.json'), { models: half(0) });
  await writeJson(path.join(dir, 'b.json'), { models: half(6000) });
  const merged = await writeJson(path.join(dir, 'merged.json'), { extends: ['./a.json', './b.json'] });
  e = await rejectsWith(loadManifest(merged), 'GF_MANIFEST_LIMIT');
  assert.equal(e.problems[0]?.pointer, '/models');
  assert.match(e.message, /12,000 keys/);

  const huge = path.join(dir, 'huge.json');
  await fs.writeFile(huge, `{"description": "${'s'.repeat(MANIFEST_LIMITS.maxFileBytes)}"}`);
  e = await rejectsWith(loadManifest(huge), 'GF_MANIFEST_LIMIT');
  assert.equal(e.problems[0]?.file, huge);
  assert.match(e.message, /4,194,323 bytes, more than the limit of 4,194,304 bytes/);
  if (process.platform === 'linux') {
    // An endless device is read only up to the limit.
    assert.match((await rejectsWith(loadManifest('/dev/zero'), 'GF_MANIFEST_LIMIT')).message, /more than 4,194,304 bytes/);
    const viaBase = await writeJson(path.join(dir, 'dev.json'), { extends: '/dev/zero' });
    assert.match((await rejectsWith(loadManifest(viaBase), 'GF_MANIFEST_NOT_FOUND')).message, /not a regular file/);
  }

  const inf = path.join(dir, 'inf.json');
  await fs.writeFile(inf, '{\n  "seed": 1e999\n}');
  e = await rejectsWith(loadManifest(inf), 'GF_MANIFEST_INVALID');
  assert.equal(e.problems[0]?.pointer, '/seed');
  assert.equal(e.problems[0]?.line, 2);
  assert.match(e.message, /not a finite double/);
});

test('a 25-file chain where each file extends the next twice finishes at once (GF_MANIFEST_LIMIT at 16); 16 files load, each read once', async () => {
  const dir = await tempDir();
  for (let i = 0; i < 25; i++) {
    await writeJson(path.join(dir, `c${i}.json`), i < 24 ? { extends: [`./c${i + 1}.json`, `./c${i + 1}.json`], seed: i, stages: [{ name: `s${i}`, type: 'stage/train', options: { model: 'models.teacher' } }] } : good);
  }
  const { value: e, ms } = await timed(() => rejectsWith(loadManifest(path.join(dir, 'c0.json')), 'GF_MANIFEST_LIMIT'));
  assert.ok(ms < 2000, `${ms} ms`);
  assert.match(e.message, /"extends" chain is longer than the limit of 16 files/);
  assert.equal(e.problems[0]?.file, path.join(dir, 'c15.json'));
  assert.equal(e.problems[0]?.pointer, '/extends/0');

  const { value: loaded, ms: ms16 } = await timed(() => loadManifest(path.join(dir, 'c9.json')));
  assert.ok(ms16 < 2000, `${ms16} ms`);
  assert.equal(loaded.sources.length, 16);
  assert.equal(new Set(loaded.sources.map((s) => s.file)).size, 16);
  assert.equal(loaded.value['seed'], 9);
  assert.deepEqual((loaded.value['stages'] as { name: string }[]).map((s) => s.name), ['teach', ...Array.from({ length: 15 }, (_, i) => `s${23 - i}`)]);
  const registry = new Registry();
  await registry.use(fixturePlugin);
  validateManifest(loaded, registry);

  // A diamond: both bases extend one shared file, which is read once.
  await writeJson(path.join(dir, 'left.json'), { extends: './c24.json', seed: 1 });
  await writeJson(path.join(dir, 'right.json'), { extends: './c24.json', name: 'right' });
  const diamond = await loadManifest(await writeJson(path.join(dir, 'top.json'), { extends: ['./left.json', './right.json'] }));
  assert.deepEqual(diamond.sources.map((s) => path.basename(s.file)), ['top.json', 'left.json', 'c24.json', 'right.json']);
  assert.equal(diamond.value['seed'], 1);
  assert.equal(diamond.value['name'], 'right');

  // Cycles are still cycles, whatever the memo holds.
  await writeJson(path.join(dir, 'x.json'), { extends: ['./c24.json', './y.json'] });
  await writeJson(path.join(dir, 'y.json'), { extends: ['./c24.json', './x.json'] });
  await rejectsWith(loadManifest(path.join(dir, 'x.json')), 'GF_MANIFEST_EXTENDS_CYCLE');

  // Many distinct files, and one file named many times.
  for (let i = 0; i < 70; i++) await writeJson(path.join(dir, `w${i}.json`), { seed: i });
  await rejectsWith(loadManifest(await writeJson(path.join(dir, 'wide.json'), { extends: Array.from({ length: 70 }, (_, i) => `./w${i}.json`) })), 'GF_MANIFEST_LIMIT');
  await rejectsWith(loadManifest(await writeJson(path.join(dir, 'again.json'), { extends: Array.from({ length: 200 }, () => './w0.json') })), 'GF_MANIFEST_LIMIT');
});

test('"extends" of any other type is GF_MANIFEST_INVALID at /extends', async () => {
  const dir = await tempDir();
  for (const ext of [{}, [], [5], '', [''], 5, null, true]) {
    const file = await writeJson(path.join(dir, 'e.json'), { extends: ext });
    const e = await rejectsWith(loadManifest(file), 'GF_MANIFEST_INVALID');
    assert.equal(e.problems[0]?.pointer, '/extends');
  }
});

test('10,000 stages referencing a missing model validate in well under 5 s, with the first 100 problems listed', async () => {
  const dir = await tempDir();
  const stages = Array.from({ length: 10_000 }, (_, i) => ({ name: `s${i}`, type: 'stage/train', options: { model: 'models.missing' } }));
  const models = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`m${i}`, { type: 'backbone/fake-net' }]));
  const file = await writeJson(path.join(dir, 'm.json'), { models, stages });
  const registry = new Registry();
  await registry.use(fixturePlugin);
  const { value: e, ms } = await timed(() => rejectsWith(loadManifest(file).then((l) => validateManifest(l, registry)), 'GF_MANIFEST_REF'));
  assert.ok(ms < 5000, `${ms} ms`);
  assert.equal(e.problems.length, MANIFEST_LIMITS.maxProblems + 1);
  assert.match(e.problems.at(-1)!.message, /and 9,900 more problems/);
  assert.equal(e.problems.at(-1)!.code, 'GF_MANIFEST_REF');
  assert.match(e.message, /10,000 problems found/);
  // The expected list is bounded too.
  assert.ok(e.message.length < 100_000, `${e.message.length} characters`);
  assert.match(e.problems[0]!.expected!, /and 4,980 more/);
});

test('keys with ~ and / are located through escaped pointers; unicode and empty keys are plain keys', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'm.json');
  await fs.writeFile(file, JSON.stringify({ ...good, models: { ...good.models, 'a/b~c': { type: 'backbone/nope' }, 模型: { type: 'backbone/fake-net' }, '': { type: 'backbone/fake-net' } } }, null, 2));
  const registry = new Registry();
  await registry.use(fixturePlugin);
  const e = await rejectsWith(loadManifest(file).then((l) => validateManifest(l, registry)), 'GF_MANIFEST_INVALID');
  const unknown = e.problems.find((p) => p.code === 'GF_COMPONENT_UNKNOWN');
  assert.equal(unknown?.pointer, '/models/a~1b~0c/type');
  assert.ok(unknown?.line && unknown.line > 1);
});
