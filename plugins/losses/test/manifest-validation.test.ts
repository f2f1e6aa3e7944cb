import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { definePlugin, Registry, type GraphFlowError } from '@graphflow/core';
import { loadManifest, validateManifest } from '@graphflow/core/host';
import lossesPlugin from '../src/index';

/** Stand-ins for the backbone and stage plugins, with just the schema shape the real ones use for losses. */
const standIns = definePlugin({
  name: 'test-stand-ins',
  register(api) {
    api.component({ kind: 'backbone', name: 'tiny', description: 'test backbone', schema: { type: 'object', additionalProperties: false, properties: {} }, create: () => ({}) });
    api.component({
      kind: 'stage',
      name: 'distill',
      description: 'test stage',
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: {
          student: { type: 'string', gfRef: 'models', description: 'student' },
          losses: { type: 'array', description: 'terms', items: { type: 'object', gfComponent: 'loss' } },
        },
      },
      create: () => ({}),
    });
  },
});

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gf-losses-manifest-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('a manifest with bad loss options reports every problem with its pointer before any work', async () => {
  const registry = new Registry();
  await registry.use(lossesPlugin);
  await registry.use(standIns);
  const manifest = {
    models: {
      teacher: { type: 'backbone/tiny' },
      student: { type: 'backbone/tiny' },
      paraphraser: { type: 'module/paraphraser', options: { teacher: 'models.teacher', rate: 0.5 } },
    },
    stages: [
      {
        name: 'distill',
        type: 'stage/distill',
        options: {
          student: 'models.student',
          losses: [
            { type: 'loss/kd', options: { temperature: 0 } },
            { type: 'loss/graph-flow', options: { paraphraser: 'models.paraphrazer', pairs: 3, teacherTaps: ['enc1', 'enc2'] } },
            { type: 'loss/dice-ce', options: { ignoreBackground: true } },
          ],
        },
      },
    ],
  };
  const file = path.join(dir, 'bad.json');
  await writeFile(file, JSON.stringify(manifest, null, 2));
  const loaded = await loadManifest(file);
  assert.throws(() => validateManifest(loaded, registry), (e: GraphFlowError) => {
    const pointers = e.problems.map((p) => p.pointer).sort();
    assert.ok(pointers.includes('/stages/0/options/losses/0/options/temperature'), pointers.join(' '));
    assert.ok(pointers.includes('/stages/0/options/losses/1/options/pairs'), pointers.join(' '));
    assert.ok(pointers.includes('/stages/0/options/losses/1/options/paraphraser'), pointers.join(' '));
    assert.ok(e.problems.every((p) => p.file === file && typeof p.line === 'number'), 'problems carry file and line');
    return true;
  });

  const good = structuredClone(manifest);
  good.stages[0]!.options.losses = [
    { type: 'loss/kd', options: { temperature: 4 } },
    { type: 'loss/graph-flow', options: { paraphraser: 'models.paraphraser', pairs: 1, teacherTaps: ['enc1', 'enc2'] } },
  ] as typeof good.stages[0]['options']['losses'];
  await writeFile(path.join(dir, 'good.json'), JSON.stringify(good));
  const outcome = validateManifest(await loadManifest(path.join(dir, 'good.json')), registry);
  const losses = (outcome.manifest as unknown as typeof good).stages[0]!.options.losses as { options: Record<string, unknown> }[];
  assert.equal(losses[1]!.options.lambdaVertex, 0.5, 'defaults are filled into nested loss specs');
});
