import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng, deriveRng, withMathRandomFrom } from '../src';

test('same seed, same stream; state save/restore continues exactly', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(Array.from({ length: 5 }, () => b.nextUint32()), xs);
  const state = a.getState();
  const after = [a.next(), a.next()];
  const c = new Rng(0);
  c.setState(state);
  assert.deepEqual([c.next(), c.next()], after);
});

test('forks with different labels differ from their first number on, and forking leaves the parent alone', () => {
  const firsts = new Set<number>();
  for (let i = 0; i < 200; i++) firsts.add(deriveRng(42, 'sample', i).nextUint32());
  assert.equal(firsts.size, 200);
  assert.notEqual(deriveRng(42, 'a').nextUint32(), deriveRng(42, 'b').nextUint32());
  assert.equal(deriveRng(42, 'a').nextUint32(), deriveRng(42, 'a').nextUint32());
  const parent = new Rng(9);
  const before = parent.getState();
  parent.fork('x');
  assert.deepEqual(parent.getState(), before);
});

test('uniform values are in range and roughly uniform; normals have mean 0 and sd 1', () => {
  const r = new Rng(1);
  const n = 20000;
  let sum = 0;
  let sq = 0;
  let inLowHalf = 0;
  for (let i = 0; i < n; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    if (u < 0.5) inLowHalf++;
    const z = r.normal();
    sum += z;
    sq += z * z;
  }
  assert.ok(Math.abs(inLowHalf / n - 0.5) < 0.02);
  assert.ok(Math.abs(sum / n) < 0.03);
  assert.ok(Math.abs(Math.sqrt(sq / n) - 1) < 0.03);
  const shuffled = r.shuffle([1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...shuffled].sort(), [1, 2, 3, 4, 5, 6]);
});

test('withMathRandomFrom makes unseeded tfjs initializers reproducible and restores Math.random, also after a throw', async () => {
  await tf.setBackend('cpu');
  const original = Math.random;
  const init = () => tf.tidy(() => Array.from(tf.initializers.glorotUniform({}).apply([3, 4]).dataSync()));
  const a = await withMathRandomFrom(new Rng(5), init);
  const b = await withMathRandomFrom(new Rng(5), init);
  const c = await withMathRandomFrom(new Rng(6), init);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(Math.random, original);
  await assert.rejects(withMathRandomFrom(new Rng(5), async () => { throw new Error('boom'); }), /boom/);
  assert.equal(Math.random, original);
});
