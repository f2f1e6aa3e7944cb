import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { GraphFlowError, LossInputs, LossRequirements, LossTerm } from '@graphflow/core';
import { composeLoss, readLossRecord, termNames } from '../src/composition/compose-loss';
import { CrossEntropyLoss } from '../src/segmentation/cross-entropy';
import { KdLoss } from '../src/distillation/kd';
import { StatelessTerm } from '../src/util/base-term';
import { useCpu } from './helpers/tiny-net';

before(useCpu);

class ConstantTerm extends StatelessTerm {
  constructor(id: string, private readonly value: number) {
    super(id);
  }
  requirements(): LossRequirements {
    return { labels: false, teacher: false, studentTaps: [], teacherTaps: [] };
  }
  compute(): tf.Scalar {
    return tf.scalar(this.value);
  }
}

function inputs(labeled: boolean, step = 0): LossInputs {
  const logits = tf.tensor4d([0, 0, 0, Math.log(3)], [1, 1, 2, 2]);
  return { images: tf.zeros([1, 1, 2, 1]), labels: labeled ? tf.tensor3d([0, 1], [1, 1, 2], 'int32') : undefined, student: { logits, taps: {} }, teacher: { logits, taps: {} }, labeled, step };
}

describe('loss composition', () => {
  test('total is the weighted sum; parts and raw values are recorded per term, duplicates numbered', () => {
    const entries = [
      { term: new CrossEntropyLoss({ classWeights: null }), weight: 2 },
      { term: new ConstantTerm('const', 0.5), weight: 3 },
      { term: new ConstantTerm('const', 1), weight: 1 },
    ];
    assert.deepEqual(termNames(entries), ['ce', 'const', 'const#2']);
    const before = tf.memory().numTensors;
    const composed = tf.tidy(() => {
      const c = composeLoss(entries, inputs(true));
      return { ...c, total: tf.keep(c.total) };
    });
    const record = readLossRecord(composed, 7);
    const ce = (Math.log(2) + Math.log(4 / 3)) / 2;
    assert.ok(Math.abs(record.total - (2 * ce + 1.5 + 1)) < 1e-5);
    assert.ok(Math.abs(record.parts.ce! - 2 * ce) < 1e-5 && Math.abs(record.raw.ce! - ce) < 1e-5);
    assert.equal(record.parts['const#2'], 1);
    composed.total.dispose();
    assert.equal(tf.memory().numTensors, before, 'composition leaves no tensors behind once read');
  });

  test('label terms are skipped on unlabeled batches', () => {
    const composed = composeLoss([{ term: new CrossEntropyLoss({ classWeights: null }), weight: 1 }, { term: new KdLoss({ temperature: 2 }), weight: 1 }], inputs(false));
    assert.deepEqual(composed.skipped, ['ce']);
    assert.deepEqual(Object.keys(composed.parts), ['kd']);
    readLossRecord(composed, 0);
  });

  test('a NaN term stops with GF_LOSS_NOT_FINITE naming the term and the step', () => {
    const composed = composeLoss([{ term: new ConstantTerm('ok', 1), weight: 1 }, { term: new ConstantTerm('graph-flow', NaN), weight: 0.5 }], inputs(true));
    assert.throws(() => readLossRecord(composed, 42, 'distill'), (e: GraphFlowError) => {
      assert.equal(e.code, 'GF_LOSS_NOT_FINITE');
      assert.match(e.message, /"graph-flow" is NaN at step 42/);
      assert.match(e.message, /stage "distill"/);
      return true;
    });
    const inf = composeLoss([{ term: new ConstantTerm('kd', Infinity), weight: 1 }], inputs(true));
    assert.throws(() => readLossRecord(inf, 3), /"kd" is Infinity at step 3/);
  });

  test('a teacher term without a teacher fails loudly instead of contributing nothing', () => {
    const noTeacher = { ...inputs(true), teacher: undefined };
    assert.throws(() => composeLoss([{ term: new KdLoss({ temperature: 1 }) as LossTerm, weight: 1 }], noTeacher), /needs the teacher/);
  });
});
