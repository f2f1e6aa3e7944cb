/**
 * The conformance suite of `backbone/*` components: what every network must do for GraphFlow's stages, losses and
 * commands to work with it (shapes of logits and taps, input-size errors, taps on request, training without leaks,
 * batch-norm modes, bit-exact save/load, the size summary). First-party backbones run it; so can a third party's.
 * Sizes are tiny because the tfjs `cpu` backend does about 1 GFLOP/s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isGraphFlowError } from '../errors/graphflow-error';
import { Rng } from '../util/rng';
import { withMathRandomFrom } from '../util/seeded-math-random';
import type { SegmentationModel } from '../contracts/backbone';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export function fixedBatch(n: number, h: number, w: number, c: number, classes: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  return tf.tidy(() => {
    const x = tf.randomUniform([n, h, w, c], 0, 1, 'float32', 7) as tf.Tensor4D;
    // A learnable target: class = bright pixel in channel 0.
    const labels = x.slice([0, 0, 0, 0], [n, h, w, 1]).squeeze([3]).mul(classes).floor().clipByValue(0, classes - 1).toInt();
    return { x, y: tf.oneHot(labels as tf.Tensor3D, classes).toFloat() as tf.Tensor4D };
  });
}

export function lossOf(model: SegmentationModel, x: tf.Tensor4D, y: tf.Tensor4D, training: boolean): tf.Scalar {
  return tf.tidy(() => {
    const { logits } = model.forward(x, { training, taps: [] });
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  });
}

export function trainSteps(model: SegmentationModel, x: tf.Tensor4D, y: tf.Tensor4D, steps: number, optimizer: tf.Optimizer): number[] {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = optimizer.minimize(() => lossOf(model, x, y, true), true, model.trainableVariables());
    losses.push(loss!.dataSync()[0]!);
    loss!.dispose();
  }
  return losses;
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `gf-conformance-${prefix}-`));
}

/** A file handler written only with tfjs and node:fs, standing in for an app without GraphFlow code. */
export function plainFileHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
      const group = json.weightsManifest[0];
      const bin = await fs.readFile(path.join(dir, group.paths[0]));
      return {
        modelTopology: json.modelTopology,
        weightSpecs: group.weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      };
    },
  };
}

export interface BackboneConformanceCase {
  label: string;
  create: () => SegmentationModel;
  /** Valid [h, w] sizes, including a non-square one. */
  sizes: [number, number][];
  /** A size the network must reject with a clear error. */
  invalidSize: [number, number];
  /** Size used for training/save tests. */
  trainSize: [number, number];
  /** Whether the saved folder must load with plain tfjs' tf.loadLayersModel (no custom layers). */
  standalone: boolean;
  /** Skip the training-step test when one step costs too much on the cpu backend. */
  trainSteps?: number;
}

const CONTRACT_SEED = 1;

/** Adam steps (`trainSteps`, default 4) on one batch: the tensor count stays flat after the first (which creates the slots) and the loss falls. */
function checkTrainingSteps(c: BackboneConformanceCase): void {
  const model = c.create();
  const [h, w] = c.trainSize;
  const { x, y } = fixedBatch(2, h, w, model.inChannels, model.numClasses);
  const optimizer = tf.train.adam(0.01);
  try {
    const first = trainSteps(model, x, y, 1, optimizer); // creates the optimizer's slots
    const settled = tf.memory().numTensors;
    const later = trainSteps(model, x, y, (c.trainSteps ?? 4) - 1, optimizer);
    assert.equal(tf.memory().numTensors, settled, 'tensor count flat across training steps');
    const losses = [...first, ...later];
    assert.ok(losses.every(Number.isFinite), `finite losses ${losses}`);
    assert.ok(losses[losses.length - 1]! < losses[0]!, `loss decreased: ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}

/** Registers the suite's tests (node:test) for one backbone. */
export function backboneConformance(c: BackboneConformanceCase): void {
  test(`${c.label}: logits and every tap have the declared shapes at several sizes`, async () => {
    await useCpu();
    const model = c.create();
    try {
      for (const [h, w] of c.sizes) {
        assert.equal(model.checkInputSize(h, w), null);
        const x = tf.zeros([1, h, w, model.inChannels]) as tf.Tensor4D;
        const out = model.forward(x, { training: false });
        assert.deepEqual(out.logits.shape, [1, h, w, model.numClasses]);
        assert.deepEqual(Object.keys(out.taps).sort(), model.taps.map((t) => t.name).sort());
        for (const t of model.taps) assert.deepEqual(out.taps[t.name]!.shape, [1, h / t.stride, w / t.stride, t.channels], `tap ${t.name} at ${h}×${w}`);
        tf.dispose([x, out.logits, ...Object.values(out.taps)]);
      }
      const d = model.tapDefaults;
      const names = model.taps.map((t) => t.name);
      assert.ok(names.includes(d.shallow) && names.includes(d.deep));
      assert.deepEqual([...d.ordered].sort(), [...names].sort());
    } finally {
      model.dispose();
    }
  });

  test(`${c.label}: an invalid input size is rejected with a message naming valid sizes`, async () => {
    await useCpu();
    const model = c.create();
    try {
      const [h, w] = c.invalidSize;
      const message = model.checkInputSize(h, w);
      assert.match(message ?? '', /multiple of \d+/);
      const x = tf.zeros([1, h, w, model.inChannels]) as tf.Tensor4D;
      assert.throws(() => model.forward(x, { training: false }), (e: unknown) => isGraphFlowError(e) && e.code === 'GF_DATA_INVALID' && /multiple of/.test(e.message));
      assert.throws(() => model.forward(x, { training: false, taps: ['no-such-tap'] }), (e: unknown) => isGraphFlowError(e));
      x.dispose();
    } finally {
      model.dispose();
    }
  });

  test(`${c.label}: only requested taps are returned`, async () => {
    await useCpu();
    const model = c.create();
    try {
      const [h, w] = c.trainSize;
      const x = tf.zeros([1, h, w, model.inChannels]) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      const out = model.forward(x, { training: false, taps: [model.tapDefaults.deep] });
      assert.deepEqual(Object.keys(out.taps), [model.tapDefaults.deep]);
      assert.equal(tf.memory().numTensors - before, 2, 'only logits + one tap stay allocated');
      tf.dispose([x, out.logits, ...Object.values(out.taps)]);
    } finally {
      model.dispose();
    }
  });

  test(`${c.label}: training steps reduce the loss on a fixed batch without leaking tensors`, async () => {
    await useCpu();
    // Initial weights and dropout masks come from a fixed seed: from some random starts a small net's loss rises
    // over its first Adam steps (ENet did in 1 of 30 unseeded starts), which says nothing about the network.
    await withMathRandomFrom(new Rng(CONTRACT_SEED), () => checkTrainingSteps(c));
  });

  test(`${c.label}: training mode updates batch-norm statistics and differs from inference mode`, async (t) => {
    await useCpu();
    const model = c.create();
    const [h, w] = c.trainSize;
    const { x, y } = fixedBatch(2, h, w, model.inChannels, model.numClasses);
    try {
      const moving = model.weights().find((wt) => /moving_mean/.test(wt.name));
      if (!moving) {
        t.skip('no batch-norm moving statistics among the weights: nothing differs between the modes to check');
        return;
      }
      assert.equal(moving.trainable, false);
      const m0 = moving.variable.dataSync().slice();
      const inf = model.forward(x, { training: false, taps: [] });
      assert.deepEqual(moving.variable.dataSync(), m0, 'inference leaves moving stats alone');
      const tr = model.forward(x, { training: true, taps: [] });
      assert.notDeepEqual(moving.variable.dataSync(), m0, 'training mode updates moving stats');
      const diff = tf.tidy(() => tf.sub(inf.logits, tr.logits).abs().max().dataSync()[0]!);
      assert.ok(diff > 1e-4, `training vs inference logits differ (max |Δ| = ${diff})`);
      tf.dispose([inf.logits, tr.logits]);
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
  });

  test(`${c.label}: save → load gives bit-identical weights and predictions${c.standalone ? '; plain tfjs loads it' : ''}`, async () => {
    await useCpu();
    const a = c.create();
    const b = c.create();
    const dir = await tempDir(c.label.replace(/\W/g, '_'));
    const [h, w] = c.trainSize;
    const { x, y } = fixedBatch(1, h, w, a.inChannels, a.numClasses);
    try {
      trainSteps(a, x, y, 1, tf.train.sgd(0.1)); // moves weights and BN statistics off their initial values
      await a.save(dir);
      await b.load(dir);
      const wa = a.weights();
      const wb = b.weights();
      assert.deepEqual(wb.map((v) => v.name), wa.map((v) => v.name));
      for (let i = 0; i < wa.length; i++) assert.deepEqual(wb[i]!.variable.dataSync(), wa[i]!.variable.dataSync(), wa[i]!.name);
      const pa = a.forward(x, { training: false, taps: [] }).logits;
      const pb = b.forward(x, { training: false, taps: [] }).logits;
      assert.deepEqual(pb.dataSync(), pa.dataSync());
      if (c.standalone) {
        const plain = await tf.loadLayersModel(plainFileHandler(dir));
        const outputs = plain.predict(x) as tf.Tensor[];
        assert.deepEqual(outputs[0]!.dataSync(), pa.dataSync());
        tf.dispose(outputs);
        plain.dispose();
      }
      tf.dispose([pa, pb]);
    } finally {
      tf.dispose([x, y]);
      a.dispose();
      b.dispose();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test(`${c.label}: summary counts parameters and FLOPs = 2 × MACs, and the layer summary adds up to it`, async () => {
    await useCpu();
    const model = c.create();
    try {
      const [h, w] = c.trainSize;
      const s = model.summary(h, w);
      const params = model.weights().reduce((n, v) => n + v.variable.size, 0);
      const trainable = model.trainableVariables().reduce((n, v) => n + v.size, 0);
      assert.equal(s.params, params);
      assert.equal(s.trainableParams, trainable);
      assert.equal(s.flops, 2 * s.macs);
      assert.ok(s.macs > 0);
      const s2 = model.summary(h * 2, w * 2);
      assert.ok(Math.abs(s2.macs / s.macs - 4) < 1e-9 || s2.macs > 3.5 * s.macs, 'MACs scale with the number of pixels');
      if (model.layerSummary) {
        // The layer summary is what the memory pre-flight reads: it must add up to the summary it details.
        const layers = model.layerSummary(h, w);
        assert.ok(layers.length > 0, 'the layer summary lists layers');
        assert.equal(layers.reduce((n, l) => n + l.params, 0), s.params, 'layer parameters add up to the total');
        assert.equal(layers.reduce((n, l) => n + l.macs, 0), s.macs, 'layer MACs add up to the total');
        for (const l of layers) assert.ok(l.outputShape[0] === 1 && l.outputShape.every((d) => Number.isInteger(d) && d > 0), `${l.name}: a concrete [1, …] output shape`);
      }
    } finally {
      model.dispose();
    }
  });
}
