import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, definePlugin, GraphFlowError } from '../src';
import { fixturePlugin } from './support/fixture-plugin';

const component = (name: string, kind = 'loss') => ({ kind, name, description: `${name} component`, schema: { properties: {} }, create: () => name });

test('a plugin registers components that list and get return', async () => {
  const registry = new Registry();
  const info = await registry.use(fixturePlugin);
  assert.deepEqual(info.components, ['backbone/fake-net', 'loss/graph-flow', 'stage/train']);
  assert.deepEqual(registry.list('loss').map((c) => c.id), ['loss/graph-flow']);
  assert.equal(registry.get('stage/train')?.plugin, 'fixture-plugin');
  assert.equal(registry.list().length, 3);
});

test('two plugins registering the same kind/name fail with GF_COMPONENT_DUPLICATE naming both', async () => {
  const registry = new Registry();
  await registry.use(definePlugin({ name: 'first', register: (api) => api.component(component('kd')) }));
  await assert.rejects(
    registry.use(definePlugin({ name: 'second', register: (api) => { api.component(component('at')); api.component(component('kd')); } })),
    (e: GraphFlowError) => e.code === 'GF_COMPONENT_DUPLICATE' && /"first" and "second"/.test(e.message),
  );
  // All-or-nothing: the second plugin's other component did not stay registered.
  assert.equal(registry.get('loss/at'), undefined);
});

test('a plugin that throws while registering gives GF_PLUGIN_REGISTER_FAILED and registers nothing', async () => {
  const registry = new Registry();
  await assert.rejects(
    registry.use(definePlugin({ name: 'broken', register: (api) => { api.component(component('ok')); throw new Error('kaput'); } })),
    (e: GraphFlowError) => e.code === 'GF_PLUGIN_REGISTER_FAILED' && e.message.includes('kaput') && e.exitCode === 2,
  );
  assert.equal(registry.get('loss/ok'), undefined);
});

test('unknown kinds are refused with a suggestion; new kinds can be declared', async () => {
  const registry = new Registry();
  await assert.rejects(
    registry.use(definePlugin({ name: 'typo', register: (api) => api.component(component('x', 'losss')) })),
    (e: GraphFlowError) => e.code === 'GF_KIND_UNKNOWN' && e.problems[0]?.suggestion === 'loss',
  );
  await registry.use(definePlugin({ name: 'sched', register: (api) => { api.kind({ name: 'sampler', description: 'batch samplers' }); api.component(component('balanced', 'sampler')); } }));
  assert.equal(registry.get('sampler/balanced')?.definition.kind, 'sampler');
  assert.ok(registry.listKinds().some((k) => k.name === 'sampler' && k.plugin === 'sched'));
});

test('malformed component definitions are rejected with GF_COMPONENT_INVALID', async () => {
  const registry = new Registry();
  for (const bad of [
    { ...component('Bad_Name') },
    { ...component('no-desc'), description: '' },
    { ...component('no-schema'), schema: undefined },
    { ...component('bad-schema'), schema: { properties: { x: { type: 'integr' } } } },
    { ...component('bad-role'), role: 'teacher' },
    { ...component('role-of-backbone', 'backbone'), role: 'supervised' },
    { ...component('trains-of-loss'), trains: 'model' },
    { ...component('trains-unknown-option', 'stage'), schema: { properties: { model: { type: 'string' } } }, trains: 'student' },
  ]) {
    await assert.rejects(
      registry.use(definePlugin({ name: `p-${bad.name}`, register: (api) => api.component(bad as never) })),
      (e: GraphFlowError) => e.code === 'GF_COMPONENT_INVALID',
      bad.name,
    );
  }
});

test('a loss declares its role, which the registry keeps', async () => {
  const registry = new Registry();
  await registry.use(definePlugin({ name: 'roles', register: (api) => { api.component({ ...component('mine'), role: 'supervised' }); api.component({ ...component('theirs'), role: 'distillation' }); api.component(component('silent')); } }));
  assert.equal(registry.get('loss/mine')?.definition.role, 'supervised');
  assert.equal(registry.get('loss/theirs')?.definition.role, 'distillation');
  assert.equal(registry.get('loss/silent')?.definition.role, undefined);
});

test('a stage declares which of its options names the model it trains', async () => {
  const registry = new Registry();
  await registry.use(definePlugin({ name: 'stages', register: (api) => api.component({ ...component('fit', 'stage'), schema: { properties: { net: { type: 'string' } } }, trains: 'net' }) }));
  assert.equal(registry.get('stage/fit')?.definition.trains, 'net');
});

test('suggest finds near-miss ids within and across kinds', async () => {
  const registry = new Registry();
  await registry.use(fixturePlugin);
  assert.equal(registry.suggest('loss/graphflow'), 'loss/graph-flow');
  assert.equal(registry.suggest('loss/grph-flow'), 'loss/graph-flow');
  assert.equal(registry.suggest('backbone/graph-flow'), 'loss/graph-flow');
  assert.equal(registry.suggest('stage/completely-different'), undefined);
  assert.throws(() => registry.require('loss/graphflow'), (e: GraphFlowError) => e.code === 'GF_COMPONENT_UNKNOWN' && e.problems[0]?.suggestion === 'loss/graph-flow');
});

test('plugin metadata is checked before register runs: core version range and plugins it depends on (fastify-plugin style)', async () => {
  const registry = new Registry();
  let ran = 0;
  const plugin = (name: string, extra: Record<string, unknown>) => definePlugin({ name, ...extra, register: (api) => { ran++; api.component(component(name)); } });
  await assert.rejects(registry.use(plugin('future', { version: '2.0.0', graphflow: '>=9.0.0' })), (e: GraphFlowError) => e.code === 'GF_PLUGIN_VERSION_MISMATCH' && /plugin "future" 2\.0\.0 needs @graphflow\/core >=9\.0\.0, but this is \d/.test(e.message) && e.exitCode === 2);
  await assert.rejects(registry.use(plugin('typo-range', { graphflow: 'latest please' })), (e: GraphFlowError) => e.code === 'GF_PLUGIN_INVALID' && /not a semver range/.test(e.message));
  await assert.rejects(registry.use(plugin('needs-base', { dependencies: ['base'] })), (e: GraphFlowError) => e.code === 'GF_PLUGIN_DEPENDENCY_MISSING' && /"needs-base" needs "base" registered before it \(loaded so far: none\)/.test(e.message));
  assert.equal(ran, 0, 'no register ran');
  assert.equal(registry.get('loss/future'), undefined);
  await registry.use(plugin('base', { graphflow: '^0.1.0' }));
  await registry.use(plugin('needs-base', { dependencies: ['base'], graphflow: '0.x' }));
  assert.equal(ran, 2);
  assert.ok(registry.get('loss/needs-base'));
});
