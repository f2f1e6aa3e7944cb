/**
 * The conformance suite of `loss/*` components: what a stage relies on when it sums a term — requirements that
 * name taps the networks return, a finite float32 scalar, finite gradients to the student's logits and taps, no
 * tensors left behind per step, and its own variables released by dispose().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { ForwardOutput } from '../contracts/backbone';
import type { LossBindContext, LossInputs, LossTerm } from '../contracts/loss';
import { useCpu } from './backbone-conformance';

/** The shapes of one network's forward output the suite fabricates: logits [N,H,W,K] and taps by name. */
export interface ForwardShapes {
  logits: [number, number, number, number];
  taps: Record<string, [number, number, number, number]>;
}

export interface LossConformanceCase {
  label: string;
  create: () => LossTerm | Promise<LossTerm>;
  /** What bind() receives (networks built by the test, e.g. with a backbone's own factory). */
  bindContext: () => LossBindContext | Promise<LossBindContext>;
  student: ForwardShapes;
  /** The teacher's output shapes, when the term distils from a teacher. */
  teacher?: ForwardShapes;
  /** Classes of the labels drawn for labeled batches (default: the student's K). */
  numClasses?: number;
}

function forward(shapes: ForwardShapes, seed: number): ForwardOutput {
  return {
    logits: tf.randomNormal(shapes.logits, 0, 1, 'float32', seed) as tf.Tensor4D,
    taps: Object.fromEntries(Object.entries(shapes.taps).map(([name, s], i) => [name, tf.randomNormal(s, 0, 1, 'float32', seed + 1 + i) as tf.Tensor4D])),
  };
}

function batch(c: LossConformanceCase, student: ForwardOutput, teacher: ForwardOutput | undefined): LossInputs {
  const [n, h, w] = c.student.logits;
  const k = c.numClasses ?? c.student.logits[3];
  return {
    images: tf.randomUniform([n, h, w, 1], 0, 1, 'float32', 5) as tf.Tensor4D,
    labels: tf.randomUniform([n, h, w], 0, k, 'int32', 6) as tf.Tensor3D,
    student,
    ...(teacher ? { teacher } : {}),
    labeled: true,
    step: 0,
  };
}

async function bound(c: LossConformanceCase, context?: LossBindContext): Promise<LossTerm> {
  const term = await c.create();
  await term.bind(context ?? (await c.bindContext()));
  return term;
}

function studentTensors(out: ForwardOutput): tf.Tensor[] {
  return [out.logits, ...Object.values(out.taps)];
}

/** Registers the suite's tests (node:test) for one loss. */
export function lossConformance(c: LossConformanceCase): void {
  test(`${c.label}: requirements name only taps the networks return, and a teacher when one is given`, async () => {
    await useCpu();
    const term = await bound(c);
    try {
      const r = term.requirements();
      assert.equal(typeof r.labels, 'boolean');
      assert.equal(typeof r.teacher, 'boolean');
      for (const t of r.studentTaps) assert.ok(t in c.student.taps, `student tap "${t}" is one of ${Object.keys(c.student.taps).join(', ')}`);
      if (r.teacher) assert.ok(c.teacher, 'the term needs a teacher: give the case teacher shapes');
      for (const t of r.teacherTaps) assert.ok(c.teacher && t in c.teacher.taps, `teacher tap "${t}" is one of the teacher's`);
    } finally {
      term.dispose();
    }
  });

  test(`${c.label}: compute gives a finite float32 scalar with finite gradients to the student's logits and taps`, async () => {
    await useCpu();
    const term = await bound(c);
    const student = forward(c.student, 11);
    const teacher = c.teacher ? forward(c.teacher, 31) : undefined;
    const inputs = batch(c, student, teacher);
    try {
      const value = tf.tidy(() => term.compute(inputs));
      assert.deepEqual(value.shape, []);
      assert.equal(value.dtype, 'float32');
      assert.ok(Number.isFinite(value.dataSync()[0]), `finite loss, got ${value.dataSync()[0]}`);
      value.dispose();
      const xs = studentTensors(student);
      const names = ['logits', ...Object.keys(student.taps)];
      // One input at a time: tf.grads refuses an input the loss does not read (a supervised term reads no taps).
      const grads = xs.map((_, i) => {
        try {
          return tf.grad((x: tf.Tensor) => {
            const ts = xs.map((t, j) => (j === i ? x : t));
            const taps = Object.fromEntries(Object.keys(student.taps).map((name, k) => [name, ts[k + 1] as tf.Tensor4D]));
            return term.compute({ ...inputs, student: { logits: ts[0] as tf.Tensor4D, taps } });
          })(xs[i]!);
        } catch (e) {
          if (/Cannot compute gradient/.test((e as Error).message)) return null;
          throw e;
        }
      });
      for (let i = 0; i < grads.length; i++) {
        if (grads[i]) assert.ok(grads[i]!.dataSync().every(Number.isFinite), `finite gradient to ${names[i]}`);
      }
      const r = term.requirements();
      for (const t of r.studentTaps) assert.ok(grads[names.indexOf(t)], `the term says it reads student tap ${t}: it has a gradient`);
      // On random inputs some gradient to what the term reads is non-zero.
      assert.ok(grads.some((g) => g !== null && g.abs().max().dataSync()[0]! > 0), 'a non-zero gradient to the logits or a tap');
      tf.dispose(grads.filter((g): g is tf.Tensor => g !== null));
    } finally {
      tf.dispose([inputs.images, inputs.labels!, ...studentTensors(student), ...(teacher ? studentTensors(teacher) : [])]);
      term.dispose();
    }
  });

  test(`${c.label}: repeated steps leave no tensors behind, and dispose() releases the term's own`, async () => {
    await useCpu();
    // The networks bind() receives belong to the test, not the term: counted before.
    const context = await c.bindContext();
    const before = tf.memory().numTensors;
    const term = await bound(c, context);
    const student = forward(c.student, 11);
    const teacher = c.teacher ? forward(c.teacher, 31) : undefined;
    const inputs = batch(c, student, teacher);
    try {
      const step = (): void => {
        const v = tf.tidy(() => term.compute({ ...inputs, step: inputs.step + 1 }));
        v.dataSync();
        v.dispose();
      };
      step(); // a term may create state on its first call
      const settled = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      assert.equal(tf.memory().numTensors, settled, 'tensor count flat across steps');
    } finally {
      tf.dispose([inputs.images, inputs.labels!, ...studentTensors(student), ...(teacher ? studentTensors(teacher) : [])]);
      term.dispose();
    }
    assert.ok(tf.memory().numTensors <= before, `dispose() released the term's tensors (${tf.memory().numTensors - before} left)`);
  });
}
