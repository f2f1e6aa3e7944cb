import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { container } from 'tsyringe';
import { createLogger, definePlugin, isGraphFlowError, Registry, runToken, TOKENS, type ResolvedManifest } from '../src';
import { createRunScope } from '../src/host';

test('runToken gives a run token with its type, and a container without it is GF_INTERNAL naming the token', () => {
  const c = container.createChildContainer();
  c.register(TOKENS.Seed, { useValue: 9 });
  const seed: number = runToken(c, 'Seed');
  assert.equal(seed, 9);
  assert.throws(() => runToken(c, 'Backend'), (e: unknown) => isGraphFlowError(e) && e.code === 'GF_INTERNAL' && /no Backend \(graphflow:backend\)/.test(e.message));
});

test('a run scope carries every run-wide token, the backend too when no backend plugin chose one', async () => {
  await tf.setBackend('cpu');
  const manifest = { seed: 4, models: {}, stages: [], backend: 'auto', outputs: { dir: 'runs', report: true } } as unknown as ResolvedManifest;
  const runOptions = { manifestFile: 'm.json', manifestDir: '.', smoke: false, signal: new AbortController().signal };
  const rs = createRunScope({ registry: new Registry(), manifest, runOptions, logger: createLogger({ level: 'silent' }) });
  assert.equal(runToken(rs.root, 'Seed'), 4);
  assert.equal(runToken(rs.root, 'Manifest'), manifest);
  assert.equal(runToken(rs.root, 'RunOptions'), runOptions);
  assert.ok(runToken(rs.root, 'Registry') instanceof Registry);
  assert.deepEqual({ ...runToken(rs.root, 'Backend'), version: 'x' }, { name: 'cpu', tfBackend: 'cpu', version: 'x', threads: 1 });
  // Without a run folder (summary, data inspect) there is no RunDirectory to hand out.
  assert.throws(() => runToken(rs.root, 'RunDirectory'), /no RunDirectory/);
});

test('a manifest entry is built in the run container even when a stage resolves it first, so it never holds a stage scope', async () => {
  const seen: boolean[] = [];
  const registry = new Registry();
  await registry.use(definePlugin({
    name: 'scope-probe',
    register(api) {
      api.component({
        kind: 'backbone',
        name: 'probe',
        description: 'Records whether its container is a stage scope.',
        schema: { type: 'object', properties: {} },
        create: (_o, ctx) => {
          seen.push(ctx.container.isRegistered(TOKENS.StageContext, true));
          return { built: true };
        },
      });
    },
  }));
  const manifest = { seed: 1, models: { net: { type: 'backbone/probe', options: {} } }, stages: [], backend: 'auto', outputs: { dir: 'runs', report: true } } as unknown as ResolvedManifest;
  const runOptions = { manifestFile: 'm.json', manifestDir: '.', smoke: false, signal: new AbortController().signal };
  const rs = createRunScope({ registry, manifest, runOptions, logger: createLogger({ level: 'silent' }) });
  const stage = rs.root.createChildContainer();
  stage.register(TOKENS.StageContext, { useValue: { name: 'first' } });
  const a = await rs.scope.resolve(stage, 'models.net');
  const b = await rs.scope.resolve(rs.root.createChildContainer(), 'models.net');
  assert.equal(a, b, 'one instance for the run');
  assert.deepEqual(seen, [false], 'built once, in the run container');
});
