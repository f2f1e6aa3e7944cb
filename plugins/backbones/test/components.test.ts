import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ComponentContext, ComponentDefinition, JsonSchema, PluginApi, SegmentationModel } from '@graphflow/core';
import plugin, { backboneInputSizeRequirement } from '../src/index';
import { useCpu } from './backbone-contract';

type AnyComponent = ComponentDefinition<Record<string, unknown>, SegmentationModel>;

function registered(): AnyComponent[] {
  const components: AnyComponent[] = [];
  const api = {
    component: (d: unknown) => components.push(d as AnyComponent),
    kind: () => undefined,
    errorCodes: () => undefined,
    logger: undefined as unknown as PluginApi['logger'],
    coreVersion: '0.1.0',
  } as PluginApi;
  void plugin.register(api, {});
  return components;
}

/** Defaults straight from the schema (what the manifest validator fills in for an empty options object). */
function defaults(schema: JsonSchema): Record<string, unknown> {
  const props = schema['properties'] as Record<string, { default?: unknown }>;
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.default]));
}

const ctx = {} as ComponentContext;

test('the plugin registers the five backbones with complete option schemas', () => {
  const components = registered();
  assert.deepEqual(components.map((c) => `${c.kind}/${c.name}`).sort(), ['backbone/enet', 'backbone/erfnet', 'backbone/mobile-unet', 'backbone/transunet', 'backbone/unet']);
  for (const c of components) {
    assert.equal(c.schema['additionalProperties'], false, c.name);
    assert.ok(c.description.length > 10 && (c.docs ?? '').includes('Shapes:'), `${c.name} documents its shapes`);
    for (const [key, prop] of Object.entries(c.schema['properties'] as Record<string, Record<string, unknown>>)) {
      assert.equal(typeof prop['description'], 'string', `${c.name}.${key} has a description`);
      assert.ok('default' in prop, `${c.name}.${key} has a default`);
    }
  }
});

test('default backbones: students are markedly smaller than teachers in parameters and FLOPs at 128×128', async () => {
  await useCpu();
  const summaries = new Map<string, { params: number; flops: number }>();
  for (const c of registered()) {
    const options = defaults(c.schema);
    assert.deepEqual(c.rules?.(options) ?? [], [], `${c.name} defaults satisfy its rules`);
    const model = await c.create(options, ctx);
    try {
      assert.equal(model.architecture, `backbone/${c.name}`);
      assert.deepEqual(model.inputSizeRequirement, backboneInputSizeRequirement(model.architecture, options));
      const s = model.summary(128, 128);
      summaries.set(c.name, { params: s.params, flops: s.flops });
    } finally {
      model.dispose();
    }
  }
  const table = [...summaries].map(([n, s]) => `${n}: ${(s.params / 1e6).toFixed(2)} M params, ${(s.flops / 1e9).toFixed(2)} GFLOPs`).join('\n');
  for (const teacher of ['unet', 'transunet']) {
    for (const student of ['mobile-unet', 'enet', 'erfnet']) {
      const t = summaries.get(teacher)!;
      const s = summaries.get(student)!;
      assert.ok(t.params >= 2 * s.params && t.flops >= 2 * s.flops, `${student} ≤ ½ of ${teacher}:\n${table}`);
    }
  }
  // ENet and ERFNet at full width match their papers' parameter counts (0.37 M and 2.06 M).
  assert.ok(Math.abs(summaries.get('enet')!.params - 0.37e6) < 0.01e6, table);
  assert.ok(Math.abs(summaries.get('erfnet')!.params - 2.06e6) < 0.02e6, table);
});

test('input-size requirements are available from options alone, before building', () => {
  assert.deepEqual(backboneInputSizeRequirement('backbone/unet', { depth: 3 }), { multiple: 8, minimum: 8 });
  assert.deepEqual(backboneInputSizeRequirement('backbone/transunet', { convStages: 3, patchSize: 2 }), { multiple: 16, minimum: 16 });
  assert.deepEqual(backboneInputSizeRequirement('backbone/enet', {}), { multiple: 8, minimum: 8 });
  assert.equal(backboneInputSizeRequirement('backbone/nope', {}), undefined);
});
