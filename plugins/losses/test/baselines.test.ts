import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng, type GraphFlowError, type LossTerm } from '@graphflow/core';
import { AttentionTransferLoss, attentionTransfer } from '../src/distillation/attention-transfer';
import { FspLoss, fspMatrix } from '../src/distillation/fsp';
import { FactorTransferLoss } from '../src/distillation/factor-transfer';
import { SkdPairLoss, pairwiseAffinity } from '../src/distillation/skd-pair';
import { IfvdLoss, intraClassVariation } from '../src/distillation/ifvd';
import { CocoLoss } from '../src/distillation/coco';
import { KdLoss } from '../src/distillation/kd';
import { Paraphraser } from '../src/modules/paraphraser';
import { TinyNet, discBatch, randomTensor, useCpu } from './helpers/tiny-net';
import { bindTerm, lossInputs, termGradients } from './helpers/inputs';

before(useCpu);
const scalar = (t: tf.Tensor) => t.dataSync()[0]!;
const teacher = new TinyNet(1, 2, [8, 12, 16], 31, 'base/teacher');
const student = new TinyNet(1, 2, [4, 6, 8], 32, 'base/student');
const { images, labels } = discBatch(2, 16, 33);
after(() => {
  teacher.dispose();
  student.dispose();
});

const paraphraser = () => new Paraphraser(teacher, { teacher: 'models.teacher', taps: [], rate: 0.5, channels: null, depth: 1, reconstruction: 'l1' }, new Rng(7));

const factories: Record<string, () => LossTerm> = {
  at: () => new AttentionTransferLoss({ teacherTaps: [], studentTaps: [], p: 2, beta: 1000 }),
  fsp: () => new FspLoss({ teacherTaps: [], studentTaps: [] }, new Rng(1)),
  ft: () => new FactorTransferLoss({ paraphraser: 'models.paraphraser', teacherTap: null, studentTap: null, norm: 'l1', translatorDepth: 1 }, paraphraser(), new Rng(1)),
  'skd-pixel': () => new KdLoss({ temperature: 1 }, 'skd-pixel'),
  'skd-pair': () => new SkdPairLoss({ teacherTap: null, studentTap: null, grid: 4 }),
  ifvd: () => new IfvdLoss({ teacherTap: null, studentTap: null }),
  coco: () => new CocoLoss({ teacherTaps: [], studentTaps: [], grid: 4, lambdaSpatial: 1, lambdaChannel: 1 }, new Rng(1)),
};

describe('baseline terms on mismatched teacher/student (channels 8/12/16 vs 4/6/8)', () => {
  for (const [name, make] of Object.entries(factories)) {
    test(`${name}: positive finite loss, finite gradients for every trainable input`, async () => {
      const term = make();
      await bindTerm(term, student, teacher);
      const { value, grads, vars } = termGradients(term, student, teacher, images, labels);
      assert.ok(Number.isFinite(value) && value > 0, `${name} = ${value}`);
      for (const v of [...term.trainableVariables(), ...vars]) {
        const g = grads[v.name];
        if (g) assert.ok(Array.from(g.dataSync()).every(Number.isFinite), `${name}: non-finite gradient for ${v.name}`);
      }
      for (const v of term.trainableVariables()) assert.ok(grads[v.name], `${name}: no gradient for its own variable ${v.name}`);
      tf.dispose(Object.values(grads));
      term.dispose();
    });
  }

  for (const name of ['at', 'fsp', 'skd-pixel', 'skd-pair', 'ifvd', 'coco']) {
    test(`${name}: a network distilled into itself gives zero`, async () => {
      const term = factories[name]!();
      await bindTerm(term, teacher, teacher);
      const value = tf.tidy(() => scalar(term.compute(lossInputs(term, teacher, teacher, images, labels))));
      assert.ok(Math.abs(value) < 1e-6, `${name} = ${value}`);
      term.dispose();
    });
  }

  test('a student tap that does not exist fails at bind with its pointer', async () => {
    const term = new SkdPairLoss({ teacherTap: null, studentTap: 'bottleneck', grid: 4 });
    await assert.rejects(bindTerm(term, student, teacher), (e: GraphFlowError) => e.code === 'GF_OPTIONS_INVALID' && e.problems[0]!.pointer === '/studentTap' && /enc1, enc2, enc3/.test(e.problems[0]!.expected!));
  });
});

describe('baseline statistics on hand-built tensors', () => {
  test('AT compares channel-free attention: duplicated channels give the same map', () => {
    const f = randomTensor([1, 4, 4, 1], 1) as tf.Tensor4D;
    assert.ok(scalar(attentionTransfer([f], [tf.concat([f, f], 3) as tf.Tensor4D], 2, 1000)) < 1e-8);
    assert.ok(scalar(attentionTransfer([f], [randomTensor([1, 4, 4, 1], 2) as tf.Tensor4D], 2, 1000)) > 0);
  });

  test('FSP matrix is the spatially averaged channel outer product', () => {
    const a = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const b = tf.tensor4d([1, 0, 1, 0, 0, 1, 0, 1], [1, 2, 2, 2]);
    assert.deepEqual(Array.from(fspMatrix(a, b).dataSync()), [(1 + 2) / 4, (3 + 4) / 4]);
  });

  test('pair-wise affinity ignores a global scale and has a unit diagonal', () => {
    const f = randomTensor([1, 4, 4, 3], 3) as tf.Tensor4D;
    const a = pairwiseAffinity(f, 2);
    assert.deepEqual(a.shape, [1, 4, 4]);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(a.arraySync()[0]![i]![i]! - 1) < 1e-5);
    assert.ok(scalar(tf.max(tf.abs(tf.sub(pairwiseAffinity(tf.mul(f, 4) as tf.Tensor4D, 2), a)))) < 1e-5);
  });

  test('IFV map is 1 where a pixel equals its class prototype', () => {
    const f = tf.tensor4d([1, 0, 1, 0, 0, 1, 0, 3], [1, 2, 2, 2]);
    const y = tf.tensor3d([0, 0, 1, 1], [1, 2, 2], 'int32');
    const m = Array.from(intraClassVariation(f, y, 2).dataSync());
    m.forEach((x) => assert.ok(Math.abs(x - 1) < 1e-5, `${m}`));
    const mixed = tf.tensor4d([1, 0, 0, 1, 0, 1, 0, 3], [1, 2, 2, 2]);
    const m2 = Array.from(intraClassVariation(mixed, y, 2).dataSync());
    assert.ok(Math.abs(m2[0]! - Math.SQRT1_2) < 1e-5 && Math.abs(m2[2]! - 1) < 1e-5, `${m2}`);
  });
});
