import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as core from '@graphflow/core';
import * as host from '@graphflow/core/host';
import plugin from '../src/index';
import { tempDir } from './fixtures';

/** Every property of every object schema must say what it is for (graphflow describe shows it). */
function undocumented(schema: unknown, at: string, out: string[]): string[] {
  if (typeof schema !== 'object' || schema === null) return out;
  const s = schema as Record<string, unknown>;
  if (s.properties && typeof s.properties === 'object') {
    for (const [k, v] of Object.entries(s.properties as Record<string, unknown>)) {
      if (typeof (v as Record<string, unknown>).description !== 'string') out.push(`${at}/${k}`);
      undocumented(v, `${at}/${k}`, out);
    }
  }
  if (s.items) undocumented(s.items, `${at}/items`, out);
  return out;
}

describe('plugin registration in the core Registry', () => {
  it('registers every component; schemas compile under strict ajv and document every property', async () => {
    const registry = new core.Registry();
    const info = await registry.use(plugin);
    assert.deepEqual(info.components.filter((c) => c.startsWith('dataset/')).sort(), ['dataset/busi', 'dataset/cvc-clinicdb', 'dataset/folder', 'dataset/kvasir', 'dataset/synapse', 'dataset/synthetic']);
    assert.deepEqual(info.components.filter((c) => c.startsWith('transform/')).sort(), ['transform/annotation-noise', 'transform/brightness-contrast', 'transform/flip', 'transform/gamma', 'transform/gaussian-noise', 'transform/random-scale-crop', 'transform/rot90', 'transform/rotate']);
    for (const id of info.components) assert.deepEqual(undocumented(registry.get(id)!.definition.schema, id, []), [], `${id} has properties without description`);
  });

  it('fills nested defaults (split, mask, normalization) from minimal options', async () => {
    const registry = new core.Registry();
    await registry.use(plugin);
    const folder = { root: '/data/isbi', numClasses: 2 } as Record<string, unknown>;
    assert.equal(registry.get('dataset/folder')!.validate(folder), true, JSON.stringify(registry.get('dataset/folder')!.validate.errors));
    assert.deepEqual(folder.split, { ratios: { train: 0.7, val: 0.15, test: 0.15 }, shuffle: true, labeledFraction: 1 });
    assert.deepEqual(folder.mask, { mode: 'binary' });
    assert.deepEqual(folder.normalization, { mode: 'unit' });
    assert.equal(folder.images, 'images');
    const synapse = { root: '/data/synapse' } as Record<string, unknown>;
    assert.equal(registry.get('dataset/synapse')!.validate(synapse), true);
    assert.equal((synapse.trainCases as string[]).length, 18);
    assert.equal((synapse.testCases as string[]).length, 12);
    assert.deepEqual(synapse.mask, { mode: 'index' });
    assert.equal(synapse.numClasses, 9);
    const synthetic = {} as Record<string, unknown>;
    assert.equal(registry.get('dataset/synthetic')!.validate(synthetic), true);
    assert.deepEqual([synthetic.size, synthetic.count, synthetic.classes, synthetic.seed], [64, 64, 4, 1234]);
    const bad = { root: 'x', numClasses: 1, split: { ratios: { train: 1, val: 0, test: 0 }, bogus: 1 } };
    assert.equal(registry.get('dataset/folder')!.validate(bad), false);
    const pointers = registry.get('dataset/folder')!.validate.errors!.map((e) => e.instancePath);
    assert.ok(pointers.includes('/numClasses') && pointers.includes('/split'), pointers.join());
  });

  it('a manifest validates with any dataset as its data entry, nested transforms checked', async () => {
    const registry = new core.Registry();
    await registry.use(plugin);
    const dir = await tempDir('manifest');
    try {
      const file = path.join(dir, 'manifest.json');
      const data = { type: 'dataset/synthetic', options: { size: 32, count: 8, augment: [{ type: 'transform/flip' }, { type: 'transform/rotate', options: { degrees: [20, -20] } }] } };
      await fs.writeFile(file, JSON.stringify({ plugins: [], seed: 1, data, stages: [] }, null, 2));
      const loaded = await host.loadManifest(file);
      assert.throws(() => host.validateManifest(loaded, registry), (e: core.GraphFlowError) => e.problems.some((p) => p.pointer === '/data/options/augment/1/options/degrees' && /reversed/.test(p.message)));
      data.options.augment[1]!.options!.degrees = [-20, 20];
      await fs.writeFile(file, JSON.stringify({ plugins: [], seed: 1, data, stages: [] }, null, 2));
      const ok = host.validateManifest(await host.loadManifest(file), registry);
      assert.ok(ok.manifest);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
