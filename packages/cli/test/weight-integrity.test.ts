import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scanNonFinite, sha256Hex, weightEntriesDigest, type WeightSpan } from '@graphflow/core';

const BIN = path.resolve(__dirname, '..', 'src', 'bin.js');

function graphflow(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const manifest = (train: Record<string, unknown>) => ({
  name: 'integrity',
  seed: 3,
  backend: 'cpu',
  data: { type: 'dataset/synthetic', options: { size: 32, count: 8, classes: 2, split: { ratios: { train: 0.5, val: 0.25, test: 0.25 } } } },
  models: { net: { type: 'backbone/unet', options: { inChannels: 1, numClasses: 2, baseWidth: 4, depth: 2 } } },
  stages: [{ name: 'train', type: 'stage/supervised', options: { model: 'models.net', batchSize: 2, losses: [{ type: 'loss/ce' }], ...train } }],
});

let work = '';
let runDir = '';
let finalDir = '';
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-cli-integrity-'));
  await fs.writeFile(path.join(work, 'm.json'), JSON.stringify(manifest({ steps: 1, validation: { every: 0 } })));
  runDir = path.join(work, 'run');
  const r = graphflow(['run', 'm.json', '--out', runDir], work);
  assert.equal(r.code, 0, r.err);
  finalDir = path.join(runDir, 'stages', 'train', 'final');
});

/** Runs `fn` on a damaged final/, then puts the original files back. */
async function withDamagedFinal(damage: (bin: Buffer, index: { sha256?: string; entriesSha256?: string; entries: WeightSpan[] }) => void, fn: () => void | Promise<void>): Promise<void> {
  const binFile = path.join(finalDir, 'weights.bin');
  const indexFile = path.join(finalDir, 'weights.json');
  const [bin, indexText] = [await fs.readFile(binFile), await fs.readFile(indexFile, 'utf8')];
  const damagedBin = Buffer.from(bin);
  const index = JSON.parse(indexText);
  damage(damagedBin, index);
  await fs.writeFile(binFile, damagedBin);
  await fs.writeFile(indexFile, JSON.stringify(index));
  try {
    await fn();
  } finally {
    await fs.writeFile(binFile, bin);
    await fs.writeFile(indexFile, indexText);
  }
}

test('eval, predict and export refuse damaged final weights with GF_CHECKPOINT_CORRUPT (exit 2), never GF_INTERNAL', async () => {
  const intact = graphflow(['eval', runDir, '--json'], work);
  assert.equal(intact.code, 0, intact.err);

  // 64 flipped bytes: the digest catches them, and the error names the file and the damaged tensor.
  await withDamagedFinal(
    (bin) => {
      for (let i = 0; i < 64; i++) bin[1000 + i] = bin[1000 + i]! ^ 0x20;
    },
    () => {
      const r = graphflow(['eval', runDir], work);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /GF_CHECKPOINT_CORRUPT: .*final\/weights\.bin: .*does not match its recorded SHA-256.*damaged bytes in "model\//);
    },
  );
  // shape: null in the index: a coded error, not a TypeError.
  await withDamagedFinal(
    (_bin, index) => {
      (index.entries[3] as unknown as Record<string, unknown>)['shape'] = null;
    },
    () => {
      const r = graphflow(['predict', runDir, path.join(work, 'no-image-needed.png'), '-o', path.join(work, 'pred')], work);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /GF_CHECKPOINT_CORRUPT: .*final\/weights\.json at \/entries\/3: .*shape must be an array of non-negative integers, got null/);
      assert.doesNotMatch(r.err, /GF_INTERNAL|TypeError/);
    },
  );
  // NaN values with digests recomputed to match: the finiteness check refuses them; no export folder appears.
  await withDamagedFinal(
    (bin, index) => {
      const e = index.entries[0]!;
      bin.writeFloatLE(NaN, e.offset);
      for (const entry of index.entries) entry.sha256 = sha256Hex(bin.subarray(entry.offset, entry.offset + entry.bytes));
      index.sha256 = sha256Hex(bin);
      index.entriesSha256 = weightEntriesDigest(index.entries);
    },
    async () => {
      const r = graphflow(['export', runDir, '-o', path.join(work, 'exported')], work);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /GF_CHECKPOINT_CORRUPT: .*holds 1 non-finite values/);
      await assert.rejects(fs.access(path.join(work, 'exported')));
    },
  );
  const exported = graphflow(['export', runDir, '-o', path.join(work, 'exported-ok'), '--json'], work);
  assert.equal(exported.code, 0, exported.err);
  const modelJson = JSON.parse(await fs.readFile(path.join(work, 'exported-ok', 'model.json'), 'utf8'));
  assert.match(modelJson.userDefinedMetadata.graphflowIntegrity.sha256, /^[0-9a-f]{64}$/);
});

test('a run with lr = 1e6 either stops with a non-finite code or ends with finite weights; nothing non-finite is ever on disk', async () => {
  await fs.writeFile(path.join(work, 'huge.json'), JSON.stringify(manifest({ epochs: 3, checkpointEvery: 1, optimizer: { type: 'optimizer/sgd', options: { lr: 1e6, momentum: 0.9 } }, validation: { every: 1 } })));
  const dir = path.join(work, 'huge-run');
  const r = graphflow(['run', 'huge.json', '--out', dir], work);
  if (r.code !== 0) assert.match(r.err, /GF_(LOSS|WEIGHTS)_NOT_FINITE/, r.err);
  const bins: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else if (e.name === 'weights.bin') bins.push(path.join(d, e.name));
    }
  };
  await walk(dir);
  assert.ok(bins.length > 0, 'at least one checkpoint was written');
  for (const file of bins) {
    const bytes = await fs.readFile(file);
    assert.equal(scanNonFinite(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))).count, 0, file);
  }
  if (r.code !== 0) {
    const latest = JSON.parse(await fs.readFile(path.join(dir, 'stages', 'train', 'checkpoints', 'latest.json'), 'utf8'));
    assert.match(r.err, new RegExp(`still names ${latest.checkpoint}`));
  }
});
