import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GraphFlowError } from '@graphflow/core';
import { readJsonSource } from '@graphflow/core/host';
import { fileVariants, variantOverrides } from '../src/ablation/variants';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

async function parse(text: string) {
  const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'gf-variants-')), 'v.json');
  await fs.writeFile(file, text);
  const source = await readJsonSource(file);
  return { file, run: () => fileVariants(source.value, source.file, source) };
}

test('"common" overrides go before each variant\'s own, and a path the variant sets itself is the variant\'s', async () => {
  const { run } = await parse(JSON.stringify({
    common: { 'models.student.options.widthMultiplier': 0.5, 'models.student.initSeed': 11, 'stages.distill.epochs': 4 },
    variants: { alone: { 'stages.distill.losses': [] }, wide: { 'models.student.options.widthMultiplier': 1, 'stages.distill.losses': [{ type: 'loss/kd' }] } },
  }));
  const [alone, wide] = run();
  assert.deepEqual(variantOverrides(alone!).map((o) => o.path), ['models.student.options.widthMultiplier', 'models.student.initSeed', 'stages.distill.epochs', 'stages.distill.losses']);
  // The variant's widthMultiplier moves after every common path instead of taking the common one's place.
  assert.deepEqual(variantOverrides(wide!).map((o) => [o.path, o.value]), [
    ['models.student.initSeed', 11],
    ['stages.distill.epochs', 4],
    ['models.student.options.widthMultiplier', 1],
    ['stages.distill.losses', [{ type: 'loss/kd' }]],
  ]);
});

test('a misspelt top-level key, a non-object "common" or a bad path in it is refused with file, pointer and line', async () => {
  const typo = await parse('{\n  "comon": { "stages.distill.epochs": 1 },\n  "variants": { "a": {} }\n}\n');
  assert.throws(typo.run, (e: GraphFlowError) => e.code === 'GF_MANIFEST_INVALID' && /"comon" is not one of them/.test(e.message) && e.problems[0]?.file === typo.file && e.problems[0]?.pointer === '/comon' && e.problems[0]?.line === 2);
  const list = await parse('{"common": [1], "variants": {"a": {}}}');
  assert.throws(list.run, (e: GraphFlowError) => e.code === 'GF_MANIFEST_INVALID' && e.problems[0]?.pointer === '/common');
  const evil = await parse('{\n  "common": {\n    "constructor.prototype.x": 1\n  },\n  "variants": {"a": {}}\n}');
  assert.throws(evil.run, (e: GraphFlowError) => e.code === 'GF_OVERRIDE_INVALID' && e.problems[0]?.pointer === '/common/constructor.prototype.x' && e.problems[0]?.line === 3);
});

test('the shipped variants files that use "common" expand to one student per file', async () => {
  for (const name of ['capacity.enet.variants.json', 'capacity.erfnet.variants.json']) {
    const source = await readJsonSource(path.join(ROOT, 'examples', 'chasedb1', 'study', name));
    const variants = fileVariants(source.value, source.file, source);
    assert.ok(variants.length >= 4, name);
    const students = new Set(variants.map((v) => JSON.stringify(v.overrides['models.student'])));
    assert.equal(students.size, 1, `${name}: every row trains the same student`);
    assert.notEqual([...students][0], undefined);
  }
});

test('a row shared by two study files of one student is the same row, so --resume into one folder reuses its runs', async () => {
  const dir = path.join(ROOT, 'examples', 'chasedb1', 'study');
  const files = (await fs.readdir(dir)).filter((f) => f.startsWith('capacity.') && f.endsWith('.variants.json')).sort();
  const rows = new Map<string, { file: string; overrides: string }>();
  let shared = 0;
  for (const name of files) {
    const source = await readJsonSource(path.join(dir, name));
    for (const v of fileVariants(source.value, source.file, source)) {
      const overrides = variantOverrides(v);
      const student = JSON.stringify(overrides.find((o) => o.path === 'models.student')?.value ?? null);
      const key = `${student} ${v.name}`;
      const expanded = JSON.stringify(overrides.map((o) => [o.path, o.value]));
      const seen = rows.get(key);
      if (seen === undefined) rows.set(key, { file: name, overrides: expanded });
      else {
        shared++;
        assert.equal(expanded, seen.overrides, `row "${v.name}" differs between ${seen.file} and ${name}`);
      }
    }
  }
  // The baselines file repeats alone, kd-t4-adversarial and graph-flow-kd-t4 of capacity.erfnet.variants.json.
  assert.ok(shared >= 3, `only ${shared} shared rows found in ${files.join(', ')}`);
});
