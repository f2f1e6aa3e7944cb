import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isGraphFlowError, sha256Hex, weightEntriesDigest, type StageContext, type WeightSpan } from '@graphflow/core';
import { runPipeline } from '@graphflow/core/host';
import { TinyModel, snapshotWeights } from './fixtures/tiny-model';
import { FakeData } from './fixtures/fake-data';
import { CrossEntropyTerm } from './fixtures/fake-losses';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { buildStudentStage } from './fixtures/build-stage';
import { loadSnapshot } from '../src/checkpoint/final-weights';
import { modelPart } from '../src/training/trainable-part';

tf.setBackend('cpu');

const OPTIONS = { epochs: 3, batchSize: 2, checkpointEvery: 2 };
let trained = ''; // a finished stage folder: final/ and checkpoints ckpt-8, ckpt-9
let reference: Record<string, Float32Array> = {};

before(async () => {
  const model = new TinyModel(1, 2);
  const ctx = await makeStageContext({ root: await tempDir('integrity'), refs: { 'models.student': model, data: new FakeData(3, { train: 6 }) } });
  await buildStudentStage('supervised', [new CrossEntropyTerm()], OPTIONS).run(ctx);
  trained = ctx.dir;
  reference = snapshotWeights(model);
});

/** A copy of the trained final/ snapshot to damage. */
async function copyOfFinal(label: string): Promise<string> {
  const dir = path.join(await tempDir(label), 'final');
  await fs.cp(path.join(trained, 'final'), dir, { recursive: true });
  return dir;
}

type Index = { format: string; sha256?: string; entriesSha256?: string; entries: (WeightSpan & Record<string, unknown>)[] };
async function editIndex(dir: string, edit: (index: Index) => void): Promise<void> {
  const file = path.join(dir, 'weights.json');
  const index = JSON.parse(await fs.readFile(file, 'utf8')) as Index;
  edit(index);
  await fs.writeFile(file, JSON.stringify(index));
}

/** Rewrites the digests to match the (damaged) content, so only the other checks can catch the damage. */
async function redigest(dir: string): Promise<void> {
  const bin = await fs.readFile(path.join(dir, 'weights.bin'));
  await editIndex(dir, (index) => {
    for (const e of index.entries) e.sha256 = sha256Hex(bin.subarray(e.offset, e.offset + e.bytes));
    index.sha256 = sha256Hex(bin);
    index.entriesSha256 = weightEntriesDigest(index.entries);
  });
}

async function dropDigests(dir: string): Promise<void> {
  await editIndex(dir, (index) => {
    delete index.sha256;
    delete index.entriesSha256;
    for (const e of index.entries) delete e.sha256;
  });
}

const load = (dir: string, logger?: { warn(o: object, m: string): void }) => loadSnapshot(dir, [modelPart('model', new TinyModel(1, 2, 4, 5))], logger ? { logger } : {});
const corrupt = (file: RegExp, message: RegExp) => (e: unknown) => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_CORRUPT' && file.test(e.problems[0]!.file ?? '') && message.test(e.message);

test('damaged weight files are GF_CHECKPOINT_CORRUPT naming the file and tensor, never loaded and never GF_INTERNAL', async () => {
  // 64 flipped bytes inside one tensor: the checksum names it.
  const flipped = await copyOfFinal('flip');
  const bin = await fs.readFile(path.join(flipped, 'weights.bin'));
  const head = (JSON.parse(await fs.readFile(path.join(flipped, 'weights.json'), 'utf8')) as Index).entries.find((e) => e.name === 'model/conv2/kernel')!;
  for (let i = 0; i < 64; i++) bin[head.offset + i] = bin[head.offset + i]! ^ 0x10;
  await fs.writeFile(path.join(flipped, 'weights.bin'), bin);
  await assert.rejects(load(flipped), corrupt(/weights\.bin$/, /does not match its recorded SHA-256.*"model\/conv2\/kernel"/));

  const truncated = await copyOfFinal('truncate');
  const full = await fs.readFile(path.join(truncated, 'weights.bin'));
  await fs.writeFile(path.join(truncated, 'weights.bin'), full.subarray(0, full.length - 10));
  await assert.rejects(load(truncated), corrupt(/weights\.bin$/, /lie outside|truncated/));

  // Index damage is told apart from another architecture by the entries' digest …
  const offsets = await copyOfFinal('offset');
  await editIndex(offsets, (i) => (i.entries[1]!.offset += 4));
  await assert.rejects(load(offsets), corrupt(/weights\.json$/, /"model\/conv1\/bias": starts at byte 148, expected 144/));
  const shapes = await copyOfFinal('shape');
  await editIndex(shapes, (i) => (i.entries[0]!.shape = [...i.entries[0]!.shape].reverse()));
  await assert.rejects(load(shapes), corrupt(/weights\.json$/, /do not match their recorded SHA-256/));

  // … and malformed fields fail validation even with matching digests (or none).
  for (const [label, edit, message] of [
    ['shape null', (i: Index) => ((i.entries[2] as Record<string, unknown>)['shape'] = null), /"model\/conv2\/kernel": shape must be an array of non-negative integers, got null/],
    ['negative offset', (i: Index) => (i.entries[1]!.offset = -36), /offset must be a non-negative integer, got -36/],
    ['string bytes', (i: Index) => ((i.entries[1] as Record<string, unknown>)['bytes'] = '16'), /bytes must be a non-negative integer, got "16"/],
    ['bytes ≠ shape', (i: Index) => (i.entries[1]!.shape = [5]), /bytes is 16 but shape \[5\] of float32 needs 20/],
    ['overlap', (i: Index) => (i.entries[1]!.offset -= 4), /overlap the previous tensor/],
    ['unknown dtype', (i: Index) => ((i.entries[0] as Record<string, unknown>)['dtype'] = 'float64'), /dtype must be one of float32, int32, got "float64"/],
    ['no entries', (i: Index) => ((i as Record<string, unknown>)['entries'] = 'x'), /no list of entries/],
  ] as const) {
    const dir = await copyOfFinal(label.replace(/\W/g, ''));
    await editIndex(dir, edit);
    await assert.rejects(load(dir), corrupt(/weights\.json$/, message), label);
    await dropDigests(dir);
    await assert.rejects(load(dir), corrupt(/weights\.json$/, message), `${label} (no digests)`);
  }

  // NaN in the values, with digests recomputed to match: the finiteness check still refuses them.
  const nan = await copyOfFinal('nan');
  const nanBin = await fs.readFile(path.join(nan, 'weights.bin'));
  nanBin.writeFloatLE(NaN, 8);
  await fs.writeFile(path.join(nan, 'weights.bin'), nanBin);
  await redigest(nan);
  await assert.rejects(load(nan), corrupt(/weights\.bin$/, /weight "model\/conv1\/kernel" holds 1 non-finite values of 36 \(first at \[2\]\)/));

  // Missing files, bad JSON, a damaged snapshot.json.
  const missing = await copyOfFinal('missing');
  await fs.rm(path.join(missing, 'weights.bin'));
  await assert.rejects(load(missing), corrupt(/weights\.bin$/, /missing or unreadable/));
  const badJson = await copyOfFinal('badjson');
  await fs.writeFile(path.join(badJson, 'weights.json'), '{"format": "graphflow-weights/1", "entries": [');
  await assert.rejects(load(badJson), corrupt(/weights\.json$/, /not valid JSON/));
  const info = await copyOfFinal('info');
  const snap = JSON.parse(await fs.readFile(path.join(info, 'snapshot.json'), 'utf8'));
  await fs.writeFile(path.join(info, 'snapshot.json'), JSON.stringify({ ...snap, step: snap.step + 1 }));
  await assert.rejects(load(info), corrupt(/snapshot\.json$/, /does not match its recorded digest/));

  // A different architecture is still GF_CHECKPOINT_INVALID.
  await assert.rejects(loadSnapshot(path.join(trained, 'final'), [modelPart('model', new TinyModel(1, 2, 6))]), (e) => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_INVALID' && /shape/.test(e.message));
});

test('an index without digests (older GraphFlow) loads bit-exactly with a warning once sizes and finiteness check', async () => {
  const dir = await copyOfFinal('legacy');
  await dropDigests(dir);
  const snap = JSON.parse(await fs.readFile(path.join(dir, 'snapshot.json'), 'utf8'));
  delete snap.digest;
  await fs.writeFile(path.join(dir, 'snapshot.json'), JSON.stringify(snap));
  const warnings: string[] = [];
  const model = new TinyModel(1, 2, 4, 5);
  await loadSnapshot(dir, [modelPart('model', model)], { logger: { warn: (_o: object, m: string) => warnings.push(m) } });
  assert.deepEqual(snapshotWeights(model), reference);
  assert.ok(warnings.some((w) => /weights\.json has no recorded SHA-256.*damaged values cannot be detected/.test(w)), warnings.join('\n'));
});

/** A resume context over a copy of `stageDir` (aborted at step 5: checkpoints ckpt-4 and ckpt-5). */
async function interruptedCopy(label: string): Promise<{ root: string; stageDir: string }> {
  const root = await tempDir(label);
  const controller = new AbortController();
  const ctx = await makeStageContext({ root, signal: controller.signal, refs: { 'models.student': new TinyModel(1, 2), data: new FakeData(3, { train: 6 }) } });
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (r) => {
    await append(r);
    if (r['step'] === 5) controller.abort();
  };
  await buildStudentStage('supervised', [new CrossEntropyTerm()], OPTIONS).run(ctx);
  assert.deepEqual((await fs.readdir(path.join(ctx.dir, 'checkpoints'))).filter((n) => n.startsWith('ckpt-')).sort(), ['ckpt-00000004', 'ckpt-00000005']);
  return { root, stageDir: ctx.dir };
}

async function resume(root: string, stageDir: string): Promise<{ model: TinyModel; warnings: string[]; ctx: StageContext }> {
  const model = new TinyModel(1, 2, 4, 321);
  const ctx = await makeStageContext({ root, resumeFrom: stageDir, refs: { 'models.student': model, data: new FakeData(3, { train: 6 }) } });
  const warnings: string[] = [];
  (ctx.logger as unknown as { warn: (o: unknown, m?: string) => void }).warn = (o, m) => warnings.push(typeof o === 'string' ? o : (m ?? ''));
  await buildStudentStage('supervised', [new CrossEntropyTerm()], OPTIONS).run(ctx);
  return { model, warnings, ctx };
}

test('resume falls back to the previous intact checkpoint when the latest is damaged, and still ends bit-identical', async () => {
  for (const [label, damage, reason] of [
    ['bit flip', async (ckpt: string) => {
      const bin = await fs.readFile(path.join(ckpt, 'weights.bin'));
      bin[20] = bin[20]! ^ 0xff;
      await fs.writeFile(path.join(ckpt, 'weights.bin'), bin);
    }, /SHA-256/],
    ['missing weights', (ckpt: string) => fs.rm(path.join(ckpt, 'weights.json')), /missing or unreadable/],
    ['damaged state', async (ckpt: string) => {
      const state = JSON.parse(await fs.readFile(path.join(ckpt, 'state.json'), 'utf8'));
      await fs.writeFile(path.join(ckpt, 'state.json'), JSON.stringify({ ...state, stepInEpoch: state.stepInEpoch + 1 }));
    }, /does not match its recorded digest/],
    ['folder gone', (ckpt: string) => fs.rm(ckpt, { recursive: true }), /does not exist/],
  ] as const) {
    const { root, stageDir } = await interruptedCopy(label.replace(/\W/g, ''));
    await damage(path.join(stageDir, 'checkpoints', 'ckpt-00000005'));
    const { model, warnings } = await resume(root, stageDir);
    assert.deepEqual(snapshotWeights(model), reference, `${label}: weights differ after the fallback resume`);
    assert.ok(warnings.some((w) => /resuming from ckpt-00000004: newer checkpoint\(s\) are damaged and were skipped/.test(w) && reason.test(w)), `${label}: ${warnings.join('\n')}`);
    // The damaged checkpoint was replaced by training on; none newer than latest.json's is left.
    const names = (await fs.readdir(path.join(stageDir, 'checkpoints'))).filter((n) => n.startsWith('ckpt-')).sort();
    assert.deepEqual(names, ['ckpt-00000008', 'ckpt-00000009'], label);
  }
});

test('resume with no intact checkpoint left is a clear GF_CHECKPOINT_CORRUPT listing each one', async () => {
  const { root, stageDir } = await interruptedCopy('none-intact');
  for (const name of ['ckpt-00000004', 'ckpt-00000005']) {
    const file = path.join(stageDir, 'checkpoints', name, 'weights.bin');
    const bin = await fs.readFile(file);
    await fs.writeFile(file, bin.subarray(0, 12));
  }
  await assert.rejects(resume(root, stageDir), (e) => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_CORRUPT' && /no intact checkpoint to resume from/.test(e.message) && /ckpt-00000005: .*ckpt-00000004: /.test(e.message));
});

test('resuming a run whose finished teacher stage has a damaged final/ stops with GF_CHECKPOINT_CORRUPT instead of using it', async () => {
  const dir = await tempDir('teacher-snapshot');
  const manifest = {
    name: 'teacher-student',
    defaultPlugins: false,
    plugins: [path.resolve(__dirname, '../src/index.js'), path.resolve(__dirname, 'fixtures/fake-components-plugin.js')],
    seed: 3,
    data: { type: 'dataset/fake', options: { train: 4 } },
    models: { teacher: { type: 'backbone/tiny', options: { features: 4, seed: 5 } }, student: { type: 'backbone/tiny', options: { features: 3, seed: 8 } } },
    stages: [
      { name: 'teacher', type: 'stage/supervised', options: { model: 'models.teacher', epochs: 1, batchSize: 2, losses: [{ type: 'loss/fake-ce' }], validation: { every: 0 } } },
      { name: 'student', type: 'stage/supervised', options: { model: 'models.student', epochs: 1, batchSize: 2, losses: [{ type: 'loss/fake-ce' }], validation: { every: 0 } } },
    ],
  };
  const file = path.join(dir, 'manifest.json');
  await fs.writeFile(file, JSON.stringify(manifest));
  const consent = { allowManifestPlugins: true };
  const first = await runPipeline({ manifestPath: file, outDir: path.join(dir, 'run'), logLevel: 'silent', consent });
  assert.equal(first.report.status, 'done');
  const bin = path.join(first.runDir, 'stages', 'teacher', 'final', 'weights.bin');
  const bytes = await fs.readFile(bin);
  for (let i = 0; i < 64; i++) bytes[i] = bytes[i]! ^ 0x01;
  await fs.writeFile(bin, bytes);
  await assert.rejects(runPipeline({ resumeDir: first.runDir, logLevel: 'silent', consent }), (e) => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_CORRUPT' && e.problems[0]!.file === bin);
});
