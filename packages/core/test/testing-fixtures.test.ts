import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGraphFlowError, TOKENS } from '../src';
import { backboneConformance, testComponentContext, tinyNetwork } from '../src/testing';

// The fixture network other suites lean on passes the backbone suite itself.
backboneConformance({
  label: 'testing/tinyNetwork',
  create: () => tinyNetwork({ inChannels: 2, numClasses: 3, width: 4 }),
  sizes: [[8, 8], [6, 10]],
  invalidSize: [7, 8],
  trainSize: [8, 8],
  standalone: true,
});

test('tinyNetwork: the same seed gives the same weights, another seed others', () => {
  const weights = (seed: number) => {
    const net = tinyNetwork({ inChannels: 1, numClasses: 2, seed });
    const values = net.trainableVariables().map((v) => Array.from(v.dataSync()));
    net.dispose();
    return values;
  };
  assert.deepEqual(weights(3), weights(3));
  assert.notDeepEqual(weights(3), weights(4));
});

test('testComponentContext carries the run tokens and the references it was given, and names a missing one', async () => {
  const ctx = testComponentContext({ seed: 42, refs: { 'models.teacher': 'T' } });
  assert.equal(ctx.container.resolve<number>(TOKENS.Seed), 42);
  assert.equal(await ctx.resolve('models.teacher'), 'T');
  await assert.rejects(ctx.resolve('models.student'), (e: unknown) => isGraphFlowError(e) && e.code === 'GF_MANIFEST_REF' && /models\.student.*models\.teacher/.test(e.message));
  await assert.rejects(ctx.build({ type: 'loss/x' }, 'p'), /cannot build loss\/x at p/);
});
