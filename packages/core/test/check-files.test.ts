import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { definePlugin, GraphFlowError, Registry } from '../src';
import { checkManifestFiles, loadManifest, validateManifest } from '../src/host';
import { tempDir, writeJson } from './support/fixture-plugin';

/** A dataset whose checkFiles reports its `root` when it is not "ok", recording what it was asked. */
const seen: unknown[] = [];
const folderPlugin = definePlugin({
  name: 'folder-plugin',
  register(api) {
    api.component({
      kind: 'dataset',
      name: 'folders',
      description: 'test dataset',
      schema: { type: 'object', properties: { root: { type: 'string' } }, required: ['root'], additionalProperties: false },
      checkFiles: async (o: { root: string }) => {
        seen.push(o);
        if (o.root === 'throws') throw new Error('disk on fire');
        return o.root === 'ok' ? [] : [{ pointer: '/root', message: 'dataset root does not exist', file: `/abs/${o.root}` }];
      },
      create: () => ({}),
    });
  },
});

async function check(root: string): Promise<void> {
  const dir = await tempDir();
  const file = await writeJson(path.join(dir, 'm.json'), JSON.stringify({ data: { type: 'dataset/folders', options: { root } } }, null, 2));
  const registry = new Registry();
  await registry.use(folderPlugin);
  const loaded = await loadManifest(file);
  const { manifest } = validateManifest(loaded, registry);
  await checkManifestFiles(manifest, loaded, registry);
}

test('checkManifestFiles: problems become GF_DATA_INVALID at the manifest line naming the file; a throwing check is reported, not raised', async () => {
  await check('ok');
  assert.deepEqual(seen.at(-1), { root: 'ok' });
  await assert.rejects(check('missing'), (e) => {
    assert.ok(e instanceof GraphFlowError);
    assert.equal(e.code, 'GF_DATA_INVALID');
    assert.equal(e.problems.length, 1);
    const p = e.problems[0]!;
    assert.equal(p.pointer, '/data/options/root');
    assert.equal(p.line, 5);
    assert.match(p.message, /^dataset\/folders: dataset root does not exist \(\/abs\/missing\)$/);
    return true;
  });
  await assert.rejects(check('throws'), (e) => e instanceof GraphFlowError && e.code === 'GF_DATA_INVALID' && /file check failed: disk on fire/.test(e.problems[0]!.message));
});
