import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '..', 'src', 'bin.js');

function graphflow(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const manifest = (root: string) => ({
  seed: 1,
  data: { type: 'dataset/folder', options: { root, numClasses: 2 } },
  models: { net: { type: 'backbone/unet', options: { numClasses: 2, baseWidth: 4, depth: 2 } } },
  stages: [{ name: 'train', type: 'stage/supervised', options: { model: 'models.net', losses: [{ type: 'loss/dice-ce' }] } }],
});

test('graphflow validate checks that the data root exists (exit 2, GF_DATA_INVALID at the line of `root`) unless --no-data', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-validate-data-'));
  try {
    const file = path.join(work, 'm.json');
    await fs.writeFile(file, JSON.stringify(manifest('data/not-here'), null, 2));
    const missing = graphflow(['validate', file], work);
    assert.equal(missing.code, 2, missing.err);
    assert.match(missing.err, /GF_DATA_INVALID: .*m\.json:\d+:\d+ at \/data\/options\/root: dataset\/folder: dataset root does not exist/);
    assert.ok(missing.err.includes(path.join(work, 'data', 'not-here')), 'names the folder it looked for');
    assert.match(missing.err, /--no-data/);

    const skipped = graphflow(['validate', file, '--no-data'], work);
    assert.equal(skipped.code, 0, skipped.err);
    assert.match(skipped.out, /valid — .*files not checked: --no-data/);

    await fs.mkdir(path.join(work, 'data', 'not-here', 'images'), { recursive: true });
    await fs.mkdir(path.join(work, 'data', 'not-here', 'masks'), { recursive: true });
    const empty = graphflow(['validate', file, '--json'], work);
    assert.equal(empty.code, 2);
    const json = JSON.parse(empty.out) as { ok: boolean; code: string; problems: { pointer: string; message: string }[] };
    assert.equal(json.code, 'GF_DATA_INVALID');
    assert.deepEqual(json.problems.map((p) => p.pointer), ['/data/options']);
    assert.match(json.problems[0]!.message, /no image\/mask pairs found under the root/);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
