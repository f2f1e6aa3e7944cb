/**
 * Every default backbone trains at 64×64 on the default backend without leaking tensors: by default where the native
 * backend loads (seconds), else only with GRAPHFLOW_SLOW=1 (wasm with @graphflow/backend's kernels, or `cpu`),
 * and reports its seconds per training step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { ComponentContext, ComponentDefinition, JsonSchema, SegmentationModel } from '@graphflow/core';
import { unetComponent, transUNetComponent, mobileUNetComponent, enetComponent, erfnetComponent } from '../src/index';
import { fixedBatch, trainSteps } from './backbone-contract';

const SLOW = process.env['GRAPHFLOW_SLOW'] === '1';

/** With the native backend the five models train in seconds, so the check runs by default; on wasm it stays slow-gated. */
const NATIVE = (() => {
  try {
    const native = require('@graphflow/backend-native') as { loadNativeAddon: () => { addon?: unknown } };
    return native.loadNativeAddon().addon !== undefined;
  } catch {
    return false;
  }
})();

async function defaultBackend(): Promise<string> {
  try {
    // Loaded by name at run time: the backend package is optional for this package's build.
    const backend = require('@graphflow/backend') as { activateBackend: (name: string) => Promise<{ name?: string }> };
    await backend.activateBackend('auto');
  } catch (e) {
    console.log(`# @graphflow/backend unavailable (${(e as Error).message.split('\n')[0]}); using cpu`);
    await tf.setBackend('cpu');
  }
  await tf.ready();
  return tf.getBackend();
}

/** Schema defaults, with dropout off so three steps on one batch give comparable losses. */
function defaultsWithoutDropout(schema: JsonSchema): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(schema['properties'] as Record<string, { default?: unknown }>).map(([k, v]) => [k, /^dropout/.test(k) ? 0 : v.default]),
  );
}

const components = [unetComponent, transUNetComponent, mobileUNetComponent, enetComponent, erfnetComponent] as unknown as ComponentDefinition<Record<string, unknown>, SegmentationModel>[];

for (const c of components) {
  test(`default backbone/${c.name} trains at 64×64 on the default backend`, { skip: SLOW || NATIVE ? false : 'slow without the native backend: set GRAPHFLOW_SLOW=1' }, async () => {
    const backend = await defaultBackend();
    const model = await c.create(defaultsWithoutDropout(c.schema), {} as ComponentContext);
    const { x, y } = fixedBatch(2, 64, 64, model.inChannels, model.numClasses);
    const optimizer = tf.train.adam(1e-3);
    try {
      trainSteps(model, x, y, 1, optimizer); // warm-up: kernels compiled, optimizer slots created
      const tensors = tf.memory().numTensors;
      const started = performance.now();
      const losses = trainSteps(model, x, y, 3, optimizer);
      const seconds = (performance.now() - started) / 3000;
      console.log(`# ${c.name} on ${backend}: ${seconds.toFixed(2)} s/step (batch 2, 64×64), losses ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
      if (NATIVE) assert.equal(backend, 'native');
      assert.equal(tf.memory().numTensors, tensors);
      assert.ok(losses[2]! < losses[0]!, `loss decreased: ${losses.join(' → ')}`);
    } finally {
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    }
  });
}
