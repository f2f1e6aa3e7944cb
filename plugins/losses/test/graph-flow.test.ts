import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng, type GraphFlowError } from '@graphflow/core';
import { graphEdges, graphFlowTerms, graphVertices } from '../src/graph-flow/variation-graph';
import { GraphFlowLoss, graphFlowRules, graphFlowComponent, type GraphFlowOptions } from '../src/graph-flow/graph-flow-loss';
import { Paraphraser } from '../src/modules/paraphraser';
import { adaptiveAvgPool } from '../src/util/pooling';
import { TinyNet, randomTensor, useCpu } from './helpers/tiny-net';
import { bindTerm, termGradients } from './helpers/inputs';

const defaults: GraphFlowOptions = { paraphraser: null, teacherTaps: [], studentTaps: [], pairs: 2, channels: 16, grid: 8, lambdaVertex: 0.5, lambdaEdge: 1, translatorDepth: 1 };
const scalar = (t: tf.Tensor) => t.dataSync()[0]!;

before(useCpu);

describe('adaptive average pooling', () => {
  test('matches window means for an uneven size (5 → 2 uses windows [0,3) and [2,5))', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5], [1, 5, 1, 1]);
    assert.deepEqual(Array.from(adaptiveAvgPool(x, 2, 1).dataSync()), [2, 4]);
  });
  test('even division equals avgPool', () => {
    const x = randomTensor([2, 8, 8, 3], 1) as tf.Tensor4D;
    const a = adaptiveAvgPool(x, 4, 4);
    const b = tf.avgPool(x, 2, 2, 'valid');
    assert.ok(scalar(tf.max(tf.abs(tf.sub(a, b)))) < 1e-6);
  });
});

describe('variation graph', () => {
  const layers = () => [randomTensor([2, 8, 8, 4], 11) as tf.Tensor4D, tf.relu(randomTensor([2, 4, 4, 4], 12)) as tf.Tensor4D, randomTensor([2, 2, 2, 4], 13) as tf.Tensor4D];

  test('vertices are unit vectors per channel and ignore a global scale', () => {
    const f = randomTensor([1, 4, 4, 3], 5) as tf.Tensor4D;
    const v = graphVertices(f);
    assert.deepEqual(v.shape, [1, 3, 16]);
    for (const n of tf.sum(tf.square(v), 2).dataSync()) assert.ok(Math.abs(n - 1) < 1e-5);
    assert.ok(scalar(tf.max(tf.abs(tf.sub(graphVertices(tf.mul(f, 7.5) as tf.Tensor4D), v)))) < 1e-6);
  });

  test('edges are cosine similarities between channels of consecutive layers', () => {
    const a = tf.tensor4d([1, 0, 0, 1], [1, 2, 1, 2]); // channel 0 = (1,0), channel 1 = (0,1)
    const b = tf.tensor4d([1, 1, 0, 1], [1, 2, 1, 2]); // channel 0 = (1,0), channel 1 = (1,1)/√2
    const e = graphEdges(graphVertices(a), graphVertices(b)).arraySync()[0]!;
    const s = Math.SQRT1_2;
    [[1, s], [0, s]].forEach((row, i) => row.forEach((x, j) => assert.ok(Math.abs(e[i]![j]! - x) < 1e-5)));
  });

  test('identical teacher and student give zero', () => {
    const f = layers();
    const { vertex, edge } = graphFlowTerms(f, f, 4);
    assert.ok(scalar(vertex) < 1e-9 && scalar(edge) < 1e-9);
  });

  test('a global scale of the student changes nothing; permuting a layer\'s channels changes the edges', () => {
    const t = layers();
    const scaled = graphFlowTerms(t.map((f) => tf.mul(f, 3) as tf.Tensor4D), t, 4);
    assert.ok(scalar(scaled.vertex) < 1e-8 && scalar(scaled.edge) < 1e-8);
    const permuted = [t[0]!, tf.gather(t[1]!, [2, 0, 3, 1], 3) as tf.Tensor4D, t[2]!];
    const p = graphFlowTerms(permuted, t, 4);
    assert.ok(scalar(p.edge) > 0.01, `edge term ${scalar(p.edge)}`);
  });

  test('terms are means over elements: repeating every layer\'s channels (C′ → 2C′) leaves them unchanged', () => {
    const t = layers();
    const s = [randomTensor([2, 8, 8, 4], 31), randomTensor([2, 4, 4, 4], 32), randomTensor([2, 2, 2, 4], 33)] as tf.Tensor4D[];
    const twice = (fs: tf.Tensor4D[]) => fs.map((f) => tf.concat([f, f], 3) as tf.Tensor4D);
    const once = graphFlowTerms(s, t, 4);
    const doubled = graphFlowTerms(twice(s), twice(t), 4);
    assert.ok(scalar(once.vertex) > 0.01 && scalar(once.edge) > 0.001, JSON.stringify([scalar(once.vertex), scalar(once.edge)]));
    assert.ok(Math.abs(scalar(doubled.vertex) - scalar(once.vertex)) < 1e-5 && Math.abs(scalar(doubled.edge) - scalar(once.edge)) < 1e-5);
    // Bounded by 4 (unit vectors, cosines) whatever the width.
    assert.ok(scalar(once.vertex) <= 4 && scalar(once.edge) <= 4);
  });

  test('spatial sizes may differ between student and teacher layers (pooled to the grid)', () => {
    const t = layers();
    const s = [randomTensor([2, 16, 16, 4], 21), randomTensor([2, 3, 3, 4], 22), randomTensor([2, 1, 1, 4], 23)] as tf.Tensor4D[];
    const { vertex, edge } = graphFlowTerms(s, t, 4);
    assert.ok(Number.isFinite(scalar(vertex)) && scalar(vertex) > 0 && Number.isFinite(scalar(edge)));
  });
});

describe('loss/graph-flow term', () => {
  const teacher = new TinyNet(1, 2, [8, 12, 16], 1, 'test/teacher');
  const student = new TinyNet(1, 2, [4, 6, 8], 2, 'test/student');
  const images = randomTensor([2, 16, 16, 1], 3) as tf.Tensor4D;
  after(() => {
    teacher.dispose();
    student.dispose();
  });

  test('binds across mismatched channels and strides; every trainable input gets a finite, non-zero gradient', async () => {
    const term = new GraphFlowLoss(defaults, undefined, new Rng(1));
    await bindTerm(term, student, teacher);
    assert.deepEqual(term.requirements().studentTaps, ['enc1', 'enc2', 'enc3']);
    assert.equal(term.trainableVariables().length, 6); // 3 translators × (kernel, bias)
    const { value, grads, vars } = termGradients(term, student, teacher, images);
    assert.ok(value > 0 && Number.isFinite(value));
    // The head only feeds the logits, which graph-flow does not read.
    for (const v of vars.filter((x) => !x.name.includes('head'))) {
      const g = grads[v.name]!;
      assert.ok(g, `no gradient for ${v.name}`);
      assert.ok(Array.from(g.dataSync()).every(Number.isFinite), `non-finite gradient for ${v.name}`);
      if (v.name.includes('kernel')) assert.ok(scalar(tf.sum(tf.abs(g))) > 0, `zero gradient for ${v.name}`);
    }
    term.dispose();
  });

  test('a tap the student lacks fails at bind with the option pointer and the available taps', async () => {
    const term = new GraphFlowLoss({ ...defaults, studentTaps: ['enc1', 'enc9', 'enc3'] }, undefined, new Rng(1));
    await assert.rejects(bindTerm(term, student, teacher), (e: GraphFlowError) => {
      assert.equal(e.code, 'GF_OPTIONS_INVALID');
      assert.equal(e.problems[0]!.pointer, '/studentTaps/1');
      assert.match(e.problems[0]!.expected!, /enc1, enc2, enc3/);
      return true;
    });
  });

  test('more pairs than the network has taps fails at bind on /pairs', async () => {
    const term = new GraphFlowLoss({ ...defaults, pairs: 3 }, undefined, new Rng(1));
    await assert.rejects(bindTerm(term, student, teacher), (e: GraphFlowError) => e.code === 'GF_OPTIONS_INVALID' && e.problems[0]!.pointer === '/pairs');
  });

  test('rules: a pair count longer than the listed taps is reported on /pairs before any work', () => {
    const problems = graphFlowRules({ ...defaults, pairs: 3, teacherTaps: ['a', 'b', 'c'] });
    assert.deepEqual(problems.map((p) => p.pointer), ['/pairs']);
    assert.deepEqual(graphFlowRules(defaults), []);
    assert.ok(graphFlowComponent.docs!.includes('λ_v·mean_l (1/C′_l)‖V_S,l − V_T,l‖²'));
  });

  test('with a paraphraser, teacher taps go through its encoder and must be among its taps', async () => {
    const paraphraser = new Paraphraser(teacher, { teacher: 'models.teacher', taps: ['enc1', 'enc2', 'enc3'], rate: 0.5, channels: null, depth: 1, reconstruction: 'l1' }, new Rng(4));
    assert.deepEqual(paraphraser.factorChannels, { enc1: 4, enc2: 6, enc3: 8 });
    const term = new GraphFlowLoss(defaults, paraphraser, new Rng(1));
    await bindTerm(term, student, teacher);
    const { value } = termGradients(term, student, teacher, images);
    assert.ok(Number.isFinite(value) && value > 0);
    const narrow = new Paraphraser(teacher, { teacher: 'models.teacher', taps: ['enc1', 'enc3'], rate: 0.5, channels: 8, depth: 1, reconstruction: 'l1' }, new Rng(4));
    const bad = new GraphFlowLoss({ ...defaults, pairs: 2, teacherTaps: ['enc1', 'enc2', 'enc3'] }, narrow, new Rng(1));
    await assert.rejects(bindTerm(bad, student, teacher), (e: GraphFlowError) => e.problems[0]!.pointer === '/teacherTaps/1');
    for (const x of [term, bad, paraphraser, narrow]) x.dispose();
  });
});
