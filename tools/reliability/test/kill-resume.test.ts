import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { finalWeightDigests, positionAtKill } from '../src/kill-resume';

test('final weight digests cover every stage snapshot and differ when one byte does', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-reliability-'));
  for (const [stage, snap] of [['a', 'final'], ['a', 'best'], ['b', 'final']] as const) {
    await fs.mkdir(path.join(dir, 'stages', stage, snap), { recursive: true });
    await fs.writeFile(path.join(dir, 'stages', stage, snap, 'weights.bin'), Buffer.from([1, 2, 3]));
  }
  const before = await finalWeightDigests(dir);
  assert.deepEqual(Object.keys(before), ['a/final', 'a/best', 'b/final']);
  await fs.writeFile(path.join(dir, 'stages', 'b', 'final', 'weights.bin'), Buffer.from([1, 2, 4]));
  const after = await finalWeightDigests(dir);
  assert.equal(after['a/final'], before['a/final']);
  assert.notEqual(after['b/final'], before['b/final']);
  assert.equal(await positionAtKill(dir), 'before the run folder was complete');
  await fs.writeFile(path.join(dir, 'manifest.resolved.json'), JSON.stringify({ stages: [{ name: 'a' }, { name: 'b' }] }));
  await fs.writeFile(path.join(dir, 'state.json'), JSON.stringify({ stages: { a: { status: 'done' } } }));
  await fs.mkdir(path.join(dir, 'stages', 'b', 'checkpoints'), { recursive: true });
  await fs.writeFile(path.join(dir, 'stages', 'b', 'checkpoints', 'latest.json'), JSON.stringify({ checkpoint: 'ckpt-00000004', step: 4 }));
  assert.equal(await positionAtKill(dir), '1 stage(s) done; in b after checkpoint step 4');
  await fs.rm(dir, { recursive: true, force: true });
});
