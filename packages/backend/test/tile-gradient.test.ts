import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { tileGradient } from '../src/gradients/tile-gradient';
import { closeness, randomData } from './support/compare-backends';

test('the one-sum Tile gradient equals tfjs\'s slice-per-repetition gradient (1-D to 4-D, repeats of 1 included)', async () => {
  await tf.setBackend('cpu');
  const original = tf.getGradient(tf.Tile)!;
  const cases: [number[], number[]][] = [[[3], [4]], [[2, 3], [3, 1]], [[1, 4, 1], [5, 1, 6]], [[2, 1, 3, 2], [1, 4, 2, 3]]];
  for (const [shape, reps] of cases) {
    const x = tf.tensor(randomData(shape, 3), shape);
    const y = tf.tile(x, reps);
    const dy = tf.tensor(randomData(y.shape, 5), y.shape);
    const ours = (tileGradient.gradFunc(dy, [x], { reps }) as Record<string, () => tf.Tensor>)['x']!();
    const theirs = (original.gradFunc(dy, [x], { reps }) as Record<string, () => tf.Tensor>)['x']!();
    assert.deepEqual(ours.shape, shape);
    const r = closeness(Float32Array.from(ours.dataSync()), Float32Array.from(theirs.dataSync()), 1e-6, 1e-6);
    assert.ok(r.ok, `tile ${shape} × ${reps}: max diff ${r.maxDiff}`);
    tf.dispose([x, y, dy, ours, theirs]);
  }
});
