/**
 * A plugin written outside this repository, as a third party writes one: plain CommonJS in a temporary folder whose
 * node_modules holds only @graphflow/core and @tensorflow/tfjs (its peer dependencies). It adds a backbone, a loss and
 * a dataset layout from `@graphflow/core` alone, passes the conformance suites of `@graphflow/core/testing`, and runs
 * in a manifest through the graphflow CLI next to the first-party stages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '..', 'src', 'bin.js');
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

const PLUGIN = String.raw`'use strict';
const fs = require('node:fs/promises');
const path = require('node:path');
const tf = require('@tensorflow/tfjs');
const core = require('@graphflow/core');

// backbone/oot-net — images [N,H,W,C] (H, W even) → logits [N,H,W,K]; taps enc [N,H,W,w], bottleneck [N,H/2,W/2,2w].
function buildNet(o) {
  const on = (layer, x) => layer.apply(x);
  const input = tf.input({ shape: [null, null, o.inChannels], name: 'image' });
  const enc = on(tf.layers.reLU({ name: 'enc_relu' }), on(tf.layers.batchNormalization({ momentum: 0.9, name: 'enc_bn' }), on(tf.layers.conv2d({ filters: o.width, kernelSize: 3, padding: 'same', name: 'enc_conv' }), input)));
  const down = on(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool' }), enc);
  const bottleneck = on(tf.layers.reLU({ name: 'mid_relu' }), on(tf.layers.conv2d({ filters: 2 * o.width, kernelSize: 3, padding: 'same', name: 'mid_conv' }), down));
  const up = on(tf.layers.upSampling2d({ size: [2, 2], name: 'up' }), bottleneck);
  const merged = on(tf.layers.concatenate({ name: 'cat' }), [enc, up]);
  const logits = on(tf.layers.conv2d({ filters: o.numClasses, kernelSize: 1, name: 'head' }), merged);
  const taps = [
    { info: { name: 'enc', channels: o.width, stride: 1, role: 'encoder' }, tensor: enc },
    { info: { name: 'bottleneck', channels: 2 * o.width, stride: 2, role: 'bottleneck' }, tensor: bottleneck },
  ];
  return new core.LayersSegmentationModel({ architecture: 'backbone/oot-net', input, logits, taps, tapDefaults: core.conventionalTapDefaults(taps), inputSize: core.sidesMultipleOf(2) });
}

// loss/oot-soft-dice — 1 − mean over classes of (2Σpy + 1)/(Σp + Σy + 1), p = softmax(logits), y = one-hot labels.
class SoftDice {
  constructor() { this.id = 'loss/oot-soft-dice'; }
  requirements() { return { labels: true, teacher: false, studentTaps: [], teacherTaps: [] }; }
  bind() {}
  compute(inputs) {
    if (!inputs.labels) throw errors.LABELS_MISSING('loss/oot-soft-dice needs labels');
    return tf.tidy(() => {
      const logits = inputs.student.logits;
      const p = tf.softmax(logits);
      const y = tf.oneHot(inputs.labels, logits.shape[3]).toFloat();
      const inter = tf.sum(tf.mul(p, y), [0, 1, 2]);
      const denom = tf.add(tf.sum(p, [0, 1, 2]), tf.sum(y, [0, 1, 2]));
      return tf.sub(1, tf.mean(tf.div(tf.add(tf.mul(inter, 2), 1), tf.add(denom, 1))));
    });
  }
  trainableVariables() { return []; }
  dispose() {}
}

// dataset/oot-raw — <root>/index.json lists samples: raw float32 HWC images and uint8 HW masks, split by group.
async function readLayout(o, seed) {
  const root = path.resolve(o.root);
  const index = JSON.parse(await fs.readFile(path.join(root, 'index.json'), 'utf8'));
  const samples = [];
  for (const e of index.samples) {
    const bytes = await fs.readFile(path.join(root, e.image));
    const image = new Float32Array(e.height * e.width * index.channels);
    for (let i = 0; i < image.length; i++) image[i] = bytes.readFloatLE(i * 4);
    const mask = Uint8Array.from(await fs.readFile(path.join(root, e.mask)));
    samples.push({ id: e.id, group: e.group, height: e.height, width: e.width, channels: index.channels, image, mask });
  }
  const split = core.splitGroups(samples.map((s) => s.group), { train: 6, val: 1, test: 1 }, seed);
  const of = (groups) => samples.filter((s) => groups.includes(s.group));
  return new core.InMemorySegmentationData({ numClasses: 2, channels: index.channels, seed, source: 'dataset/oot-raw', partitions: { train: of(split.train), val: of(split.val), test: of(split.test) } });
}

const errors = core.defineErrorCodes('OOT', { LABELS_MISSING: { description: 'loss/oot-soft-dice ran on a batch without labels.', input: true } });

const obj = (properties, required = []) => ({ type: 'object', additionalProperties: false, required, properties });

module.exports = core.definePlugin({
  name: 'graphflow-plugin-oot',
  version: '1.0.0',
  graphflow: '^0.1.0',
  register(api) {
    api.errorCodes(errors);
    api.component({
      kind: 'backbone', name: 'oot-net', description: 'A two-level network written out of tree.',
      schema: obj({ inChannels: { type: 'integer', minimum: 1, default: 1 }, numClasses: { type: 'integer', minimum: 2, default: 2 }, width: { type: 'integer', minimum: 1, default: 4 } }),
      create: (o) => buildNet(o),
    });
    api.component({ kind: 'loss', name: 'oot-soft-dice', role: 'supervised', description: 'Soft Dice written out of tree.', schema: obj({}), create: () => new SoftDice() });
    api.component({
      kind: 'dataset', name: 'oot-raw', description: 'Raw float32/uint8 samples listed in index.json.',
      schema: obj({ root: { type: 'string', minLength: 1 } }, ['root']),
      create: (o, ctx) => readLayout(o, ctx.container.resolve(core.TOKENS.Seed)),
    });
  },
});
module.exports.buildNet = buildNet;
module.exports.readLayout = readLayout;
module.exports.SoftDice = SoftDice;
`;

const SUITES = String.raw`'use strict';
const path = require('node:path');
const { backboneConformance, lossConformance, datasetConformance, tinyNetwork } = require('@graphflow/core/testing');
const plugin = require('./index.js');

backboneConformance({ label: 'oot-net', create: () => plugin.buildNet({ inChannels: 1, numClasses: 2, width: 4 }), sizes: [[8, 8], [6, 10]], invalidSize: [7, 8], trainSize: [8, 8], standalone: true });
lossConformance({
  label: 'oot-soft-dice',
  create: () => new plugin.SoftDice(),
  bindContext: () => ({ student: tinyNetwork({ inChannels: 1, numClasses: 2 }), inputSize: [8, 8], numClasses: 2, channels: 1 }),
  student: { logits: [2, 8, 8, 2], taps: {} },
});
datasetConformance({ label: 'oot-raw', create: () => plugin.readLayout({ root: path.join(__dirname, 'data') }, 3) });
`;

/** 16 samples of 16×16 (two per group): a bright disc on noise, the disc as the mask. */
async function writeData(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const samples = [];
  for (let i = 0; i < 16; i++) {
    const image = Buffer.alloc(16 * 16 * 4);
    const mask = Buffer.alloc(16 * 16);
    const cy = 5 + (i % 6);
    const cx = 5 + ((i * 7) % 6);
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const inside = (y - cy) ** 2 + (x - cx) ** 2 <= 9 + (i % 3) * 4;
        const noise = (((y * 31 + x * 17 + i * 13) % 23) / 23 - 0.5) * 0.6;
        image.writeFloatLE((inside ? 1 : -1) + noise, (y * 16 + x) * 4);
        mask[y * 16 + x] = inside ? 1 : 0;
      }
    }
    await fs.writeFile(path.join(dir, `s${i}.f32`), image);
    await fs.writeFile(path.join(dir, `s${i}.u8`), mask);
    samples.push({ id: `s${i}`, group: `p${Math.floor(i / 2)}`, height: 16, width: 16, image: `s${i}.f32`, mask: `s${i}.u8` });
  }
  await fs.writeFile(path.join(dir, 'index.json'), JSON.stringify({ channels: 1, samples }));
}

/** The folder a third party has: the plugin, its tests, its data, and only the peer dependencies installed. */
async function outOfTree(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-out-of-tree-'));
  assert.ok(path.relative(REPO_ROOT, dir).startsWith('..'), 'the folder is outside the repository');
  const plugin = path.join(dir, 'graphflow-plugin-oot');
  await fs.mkdir(plugin, { recursive: true });
  await fs.writeFile(path.join(plugin, 'package.json'), JSON.stringify({ name: 'graphflow-plugin-oot', version: '1.0.0', main: 'index.js', peerDependencies: { '@graphflow/core': '^0.1.0', '@tensorflow/tfjs': '4.22.0' } }));
  await fs.writeFile(path.join(plugin, 'index.js'), PLUGIN);
  await fs.writeFile(path.join(plugin, 'conformance.test.js'), SUITES);
  await writeData(path.join(plugin, 'data'));
  const modules = path.join(dir, 'node_modules');
  await fs.mkdir(path.join(modules, '@graphflow'), { recursive: true });
  await fs.mkdir(path.join(modules, '@tensorflow'), { recursive: true });
  await fs.symlink(path.join(REPO_ROOT, 'packages', 'core'), path.join(modules, '@graphflow', 'core'), 'dir');
  await fs.symlink(path.join(REPO_ROOT, 'node_modules', '@tensorflow', 'tfjs'), path.join(modules, '@tensorflow', 'tfjs'), 'dir');
  return dir;
}

test('an out-of-tree plugin built on @graphflow/core alone passes the backbone, loss and dataset conformance suites and runs in a manifest', async (t) => {
  const dir = await outOfTree();
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const plugin = path.join(dir, 'graphflow-plugin-oot');

  // Its imports resolve to the peer dependencies only: nothing of the repository's plugins is reachable by name.
  const probe = spawnSync(process.execPath, ['-e', "for (const m of ['@graphflow/backbones','@graphflow/losses','@graphflow/data','@graphflow/trainers']) { try { require.resolve(m); console.log('found', m); } catch { console.log('absent', m); } }"], { cwd: plugin, encoding: 'utf8' });
  assert.deepEqual(probe.stdout.trim().split('\n'), ['absent @graphflow/backbones', 'absent @graphflow/losses', 'absent @graphflow/data', 'absent @graphflow/trainers']);

  // A nested test run must not inherit the parent runner's IPC context, or it reports to it instead of stdout.
  const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
  const suites = spawnSync(process.execPath, ['--test', '--test-reporter=tap', 'conformance.test.js'], { cwd: plugin, encoding: 'utf8', env });
  assert.equal(suites.status, 0, suites.stdout.slice(-3000) + suites.stderr);
  assert.match(suites.stdout, /# fail 0/);
  assert.match(suites.stdout, /# skipped 0/);
  for (const title of ['oot-net: save → load gives bit-identical weights', 'oot-soft-dice: compute gives a finite float32 scalar', 'oot-raw: training batches have the input size and count']) {
    assert.ok(suites.stdout.includes(title), `suite test "${title}" ran`);
  }
  assert.ok(Number(/# pass (\d+)/.exec(suites.stdout)?.[1]) >= 12, 'every suite test passed');

  // The plugin's three components in a pipeline with the first-party stages: train, then evaluate on the test images.
  const manifest = {
    name: 'out-of-tree',
    plugins: ['./graphflow-plugin-oot'],
    seed: 5,
    backend: 'cpu',
    data: { type: 'dataset/oot-raw', options: { root: path.join(plugin, 'data') } },
    models: { net: { type: 'backbone/oot-net', options: { width: 4 } } },
    outputs: { dir: 'runs' },
    stages: [
      { name: 'train', type: 'stage/supervised', options: { model: 'models.net', losses: [{ type: 'loss/oot-soft-dice' }, { type: 'loss/ce', weight: 0.5 }], epochs: 12, batchSize: 4, optimizer: { type: 'optimizer/adam', options: { lr: 0.02 } } } },
      { name: 'evaluate', type: 'stage/evaluate', options: { models: ['models.net'] } },
    ],
  };
  await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  const list = cli(['list', '--manifest', 'manifest.json', '--allow-plugins']);
  assert.equal(list.status, 0, list.stderr);
  for (const id of ['backbone/oot-net', 'loss/oot-soft-dice', 'dataset/oot-raw']) assert.match(list.stdout, new RegExp(id.replace('/', '\\/')));

  const run = cli(['run', 'manifest.json', '--allow-plugins', '-o', 'runs/oot', '--log-level', 'warn']);
  assert.equal(run.status, 0, run.stderr.slice(-3000));
  const report = JSON.parse(await fs.readFile(path.join(dir, 'runs', 'oot', 'report.json'), 'utf8')) as {
    status: string;
    stages: { name: string; status: string; result?: { metrics?: Record<string, unknown>; models?: Record<string, { architecture?: string; params?: number }> } }[];
  };
  assert.equal(report.status, 'done');
  assert.deepEqual(report.stages.map((s) => [s.name, s.status]), [['train', 'done'], ['evaluate', 'done']]);
  const train = report.stages[0]!.result!.metrics as { finalLoss?: Record<string, number> };
  assert.ok(Number.isFinite(train.finalLoss?.['loss/oot-soft-dice']), `the out-of-tree loss is logged by its id: ${JSON.stringify(train)}`);
  const evaluated = JSON.stringify(report.stages[1]!.result);
  const dice = Number(/"dice":\s*([0-9.]+)/.exec(evaluated)?.[1]);
  // Discs on noise are easy: a trained network separates them; an untrained one scores near the foreground share.
  assert.ok(dice > 0.7, `test Dice ${dice} after training (${evaluated.slice(0, 400)})`);
});
