import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng, type GraphFlowError, type LossInputs, type LossRequirements } from '@graphflow/core';
import { GraphFlowLoss } from '../src/graph-flow/graph-flow-loss';
import { AdversarialLoss } from '../src/adversarial/adversarial-loss';
import { composeLoss, readLossRecord } from '../src/composition/compose-loss';
import { CrossEntropyLoss } from '../src/segmentation/cross-entropy';
import { StatelessTerm } from '../src/util/base-term';
import { TinyNet, discBatch, useCpu } from './helpers/tiny-net';
import { bindTerm } from './helpers/inputs';

before(useCpu);
const teacher = new TinyNet(1, 2, [8, 12, 16], 61, 'state/teacher');
const student = new TinyNet(1, 2, [4, 6, 8], 62, 'state/student');
after(() => {
  teacher.dispose();
  student.dispose();
});

/** Finite until `badStep`, then NaN: stands in for a diverging distillation term. */
class DivergesAt extends StatelessTerm {
  constructor(private readonly badStep: number) {
    super('diverging');
  }
  requirements(): LossRequirements {
    return { labels: false, teacher: false, studentTaps: [], teacherTaps: [] };
  }
  compute(inputs: LossInputs): tf.Scalar {
    const mean = tf.mean(inputs.student.logits) as tf.Scalar;
    return inputs.step === this.badStep ? (tf.mul(mean, NaN) as tf.Scalar) : mean;
  }
}

describe('term state for checkpoints', () => {
  test('graph-flow and adversarial expose uniquely named weights; re-binding frees the old variables', async () => {
    const gf = new GraphFlowLoss({ paraphraser: null, teacherTaps: [], studentTaps: [], pairs: 2, channels: 16, grid: 8, lambdaVertex: 0.5, lambdaEdge: 1, translatorDepth: 1 }, undefined, new Rng(1));
    await bindTerm(gf, student, teacher);
    const names = gf.weights().map((w) => w.name);
    assert.deepEqual(names.slice(0, 2), ['translator0.enc1.conv1.kernel', 'translator0.enc1.conv1.bias']);
    assert.equal(new Set(names).size, names.length);
    // Teacher taps with 8/12 channels get a fixed projection to 16 (checkpointed, not trained); enc3 has 16 already.
    assert.deepEqual(names.filter((n) => n.endsWith('.projection')), ['graph-flow.teacher0.projection', 'graph-flow.teacher1.projection']);
    const variables = tf.memory().numTensors;
    await bindTerm(gf, student, teacher);
    assert.equal(tf.memory().numTensors, variables, 'a second bind leaked the first translators');
    gf.dispose();

    const adv = new AdversarialLoss({ objective: 'hinge', gradientPenalty: 10, withImage: true, widths: [4, 8], spectralNorm: true, updateRatio: 1 }, new Rng(2));
    await bindTerm(adv, student, teacher);
    const advNames = adv.weights().map((w) => w.name);
    assert.equal(new Set(advNames).size, advNames.length);
    assert.ok(advNames.includes('discriminator.conv1.kernel') && advNames.includes('discriminator.conv1.u'));
    assert.equal(adv.trainableVariables().length, 0, 'the discriminator is trained by its own optimizer, never with the student');
    assert.equal(adv.adversary!.trainableVariables().length, 6);
    adv.dispose();
  });
});

describe('a diverging term stops training', () => {
  test('GF_LOSS_NOT_FINITE names the term and step, and that step is never applied', () => {
    const { images, labels } = discBatch(2, 16, 63);
    const entries = [
      { term: new CrossEntropyLoss({ classWeights: null }), weight: 1 },
      { term: new DivergesAt(3), weight: 0.5 },
    ];
    const optimizer = tf.train.sgd(0.1);
    const vars = student.trainableVariables();
    let snapshot: number[][] = [];
    assert.throws(
      () => {
        for (let step = 0; step < 6; step++) {
          snapshot = vars.map((v) => Array.from(v.dataSync()));
          let composed: ReturnType<typeof composeLoss> | undefined;
          const { value, grads } = tf.variableGrads(() => {
            composed = composeLoss(entries, { images, labels, student: student.forward(images, { training: true, taps: [] }), labeled: true, step });
            return composed.total;
          }, vars);
          try {
            readLossRecord(composed!, step, 'distill');
            optimizer.applyGradients(grads as unknown as Record<string, tf.Variable>);
          } finally {
            tf.dispose([value, grads]);
          }
        }
      },
      (e: GraphFlowError) => e.code === 'GF_LOSS_NOT_FINITE' && /stage "distill", loss term "diverging" is NaN at step 3/.test(e.message),
    );
    vars.forEach((v, i) => assert.deepEqual(Array.from(v.dataSync()), snapshot[i], `${v.name} changed by the NaN step`));
    optimizer.dispose();
  });
});
