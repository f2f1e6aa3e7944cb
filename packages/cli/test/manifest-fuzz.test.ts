import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GraphFlowError } from '@graphflow/core';
import { preparePipeline, readJsonSource } from '@graphflow/core/host';
import { main } from '../src/main';
import { cliPluginSetup } from '../src/plugin-setup';
import { fileVariants, variantOverrides } from '../src/ablation/variants';
import { REPO_ROOT, formatSummary, optionsFromEnv, runFuzz } from './fuzz/harness';

const QUICKSTART = path.join(REPO_ROOT, 'examples', 'quickstart', 'manifest.json');
const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /GF_INTERNAL/);
  assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m);
}

async function work(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-safety-'));
  // A manifest with no plugins and no data files, so validate needs nothing outside the folder.
  await fs.copyFile(QUICKSTART, path.join(dir, 'm.json'));
  return dir;
}

test('graphflow validate --set with __proto__ / constructor segments: GF_OVERRIDE_INVALID, exit 2, Object.prototype unchanged', async () => {
  const before = protoKeys();
  const dir = await work();
  for (const set of ['models.__proto__.type=backbone/unet', '__proto__.polluted=yes', 'constructor.prototype.polluted=yes', 'models.teacher.options={"__proto__":{"polluted":"yes"}}']) {
    const r = await cli(['validate', path.join(dir, 'm.json'), '--set', set]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^error GF_OVERRIDE_INVALID/, r.err);
    assertNoStack(r.err);
  }
  assert.equal(protoKeys(), before);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(({} as Record<string, unknown>)['type'], undefined);
});

test('an ablation variants file with __proto__ paths or keys is refused before anything runs (file, pointer, line)', async () => {
  const before = protoKeys();
  const dir = await work();
  const variants = path.join(dir, 'v.json');
  await fs.writeFile(variants, '{\n  "variants": {\n    "evil": {\n      "models.__proto__.type": "backbone/unet"\n    }\n  }\n}\n');
  const source = await readJsonSource(variants);
  assert.throws(
    () => fileVariants(source.value, source.file, source),
    (e: GraphFlowError) => e.code === 'GF_OVERRIDE_INVALID' && e.problems[0]?.file === variants && e.problems[0]?.pointer === '/variants/evil/models.__proto__.type' && e.problems[0]?.line === 4,
  );
  // Overrides built from a variant are checked where they are applied, too.
  await assert.rejects(preparePipeline(path.join(dir, 'm.json'), variantOverrides({ name: 'x', overrides: { '__proto__.polluted': 'yes' } }), cliPluginSetup()), (e: GraphFlowError) => e.code === 'GF_OVERRIDE_INVALID');
  // A "__proto__" key in the file itself (a value or a variant name).
  await fs.writeFile(variants, '{"variants": {"v": {"models.teacher.options": {"__proto__": {"polluted": "yes"}}}}}');
  await assert.rejects(readJsonSource(variants), (e: GraphFlowError) => e.code === 'GF_MANIFEST_INVALID' && e.problems[0]?.pointer === '/variants/v/models.teacher.options/__proto__');
  // Through the CLI: no stage runs, no folder is made.
  await fs.writeFile(variants, '{"variants": {"a": {"stages.distill.epochs": 1}, "b": {"constructor.prototype.polluted": 1}}}');
  const out = path.join(dir, 'ablation');
  const r = await cli(['ablate', path.join(dir, 'm.json'), '--stage', 'distill', '--variants', variants, '--out', out, '--log-level', 'silent']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /GF_OVERRIDE_INVALID/);
  assertNoStack(r.err);
  await assert.rejects(fs.stat(out));
  // An unreadable or broken variants file is a coded error (it was an uncaught SyntaxError).
  await fs.writeFile(variants, '{"variants": ');
  const broken = await cli(['ablate', path.join(dir, 'm.json'), '--stage', 'distill', '--variants', variants, '--out', out, '--log-level', 'silent']);
  assert.equal(broken.code, 2, broken.err);
  assert.match(broken.err, /GF_MANIFEST_JSON/);
  assertNoStack(broken.err);
  assert.equal(protoKeys(), before);
});

test('graphflow validate on 5,000-deep valid JSON: GF_MANIFEST_LIMIT "nesting deeper than 64" with line, not invalid JSON', async () => {
  const dir = await work();
  const file = path.join(dir, 'deep.json');
  await fs.writeFile(file, `{\n  "name": "deep",\n  "models": {"a": {"type": "backbone/unet", "options": {"x": ${'['.repeat(5000)}${']'.repeat(5000)}}}}\n}`);
  const r = await cli(['validate', file]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, new RegExp(`^error GF_MANIFEST_LIMIT: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+ at /models/a/options/x/0`));
  assert.match(r.err, /nesting deeper than 64/);
  assert.doesNotMatch(r.err, /invalid JSON/);
  assertNoStack(r.err);
});

test('a 25-file chain where each file extends the next twice: graphflow validate answers in < 2 s', async () => {
  const dir = await work();
  for (let i = 0; i < 25; i++) {
    const own = i < 24 ? { extends: [`./c${i + 1}.json`, `./c${i + 1}.json`], seed: i } : JSON.parse(await fs.readFile(QUICKSTART, 'utf8'));
    await fs.writeFile(path.join(dir, `c${i}.json`), JSON.stringify(own));
  }
  const t = performance.now();
  const r = await cli(['validate', path.join(dir, 'c0.json'), '--no-data']);
  const ms = performance.now() - t;
  assert.ok(ms < 2000, `${ms} ms`);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /GF_MANIFEST_LIMIT.*"extends" chain is longer than the limit of 16 files/);
  // Inside the limit the same double chain is valid, and as fast.
  const t16 = performance.now();
  const ok = await cli(['validate', path.join(dir, 'c9.json'), '--no-data']);
  assert.ok(performance.now() - t16 < 2000);
  assert.equal(ok.code, 0, ok.err);
});

test('10,000 models referencing a missing model: GF_MANIFEST_REF in < 5 s, output bounded', async () => {
  const dir = await work();
  const models = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`m${i}`, { type: 'module/paraphraser', options: { teacher: 'models.missing' } }]));
  const file = path.join(dir, 'many.json');
  await fs.writeFile(file, JSON.stringify({ name: 'many', models }, null, 2));
  const t = performance.now();
  const r = await cli(['validate', file, '--no-data']);
  const ms = performance.now() - t;
  assert.ok(ms < 5000, `${ms} ms`);
  assert.equal(r.code, 2);
  assert.match(r.err, /^error GF_MANIFEST_REF: 101 problems/);
  assert.match(r.err, /and 9,900 more problems/);
  assert.ok(r.err.length < 100_000, `${r.err.length} characters`);
  assertNoStack(r.err);
});

test('manifest fuzz: every mutated manifest ends in a coded error or a valid result, quickly, without prototype pollution', { timeout: 15 * 60_000 }, async (t) => {
  const options = optionsFromEnv(process.env, { cases: 500 });
  t.diagnostic(`seed ${options.seed}, ${options.only?.length ?? options.cases} cases (GRAPHFLOW_FUZZ_SEED / GRAPHFLOW_FUZZ_CASES)`);
  const summary = await runFuzz(options);
  const text = formatSummary(summary);
  for (const line of text.split('\n')) t.diagnostic(line);
  assert.equal(summary.failed.length, 0, text);
  assert.ok(summary.cases > 0);
});
