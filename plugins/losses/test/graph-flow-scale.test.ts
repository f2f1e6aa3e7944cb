import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@graphflow/core';
import { GraphFlowLoss, type GraphFlowOptions } from '../src/graph-flow/graph-flow-loss';
import { crossEntropy } from '../src/segmentation/cross-entropy';
import { TinyNet, discBatch, useCpu } from './helpers/tiny-net';
import { bindTerm, lossInputs } from './helpers/inputs';

before(useCpu);

/**
 * The measurement behind graph-flow's default λ_v, λ_e (quoted in its docs): at initialisation, over several
 * random teacher/student pairs, each weighted term must be of the order of the student's CE loss.
 */
test('default λ make the vertex and edge terms comparable to CE at initialisation', async (t) => {
  const options: GraphFlowOptions = { paraphraser: null, teacherTaps: [], studentTaps: [], pairs: 2, channels: 16, grid: 8, lambdaVertex: 0.5, lambdaEdge: 1, translatorDepth: 1 };
  const { images, labels } = discBatch(2, 32, 9);
  for (const seed of [1, 2, 3]) {
    const teacher = new TinyNet(1, 2, [16, 32, 64], 100 + seed, `scale/teacher${seed}`);
    const student = new TinyNet(1, 2, [8, 16, 32], 200 + seed, `scale/student${seed}`);
    const term = new GraphFlowLoss(options, undefined, new Rng(seed));
    await bindTerm(term, student, teacher, 32);
    const measured = tf.tidy(() => {
      const inputs = lossInputs(term, student, teacher, images, labels);
      const { vertex, edge } = term.computeParts(inputs);
      return { vertex: vertex.dataSync()[0]!, edge: edge.dataSync()[0]!, ce: crossEntropy(inputs.student.logits, labels, null).dataSync()[0]! };
    });
    t.diagnostic(`seed ${seed}: λ_v·vertex = ${measured.vertex.toFixed(3)}, λ_e·edge = ${measured.edge.toFixed(3)}, CE = ${measured.ce.toFixed(3)}`);
    for (const part of [measured.vertex, measured.edge]) assert.ok(part > measured.ce / 10 && part < measured.ce * 10, JSON.stringify(measured));
    for (const x of [term, teacher, student]) x.dispose();
  }
});
