import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Registry } from '@graphflow/core';
import plugin, { LOSS_COMPONENTS } from '../src/index';

const EXPECTED = ['loss/ce', 'loss/dice', 'loss/dice-ce', 'loss/kd', 'loss/graph-flow', 'loss/adversarial', 'loss/at', 'loss/fsp', 'loss/ft', 'loss/skd-pixel', 'loss/skd-pair', 'loss/ifvd', 'loss/coco', 'loss/vid', 'loss/emkd', 'loss/dist', 'module/paraphraser'];

describe('@graphflow/losses plugin', () => {
  test('registers every component through the core Registry (schemas compile under ajv strict mode)', async () => {
    const registry = new Registry();
    const info = await registry.use(plugin);
    assert.deepEqual(info.components, EXPECTED);
  });

  test('every component has docs with a formula and a source, and every option has a description and a default (or is required)', () => {
    for (const c of LOSS_COMPONENTS) {
      assert.ok(c.docs && c.docs.includes('**'), `${c.kind}/${c.name} lacks docs`);
      if (c.kind === 'loss' && !['ce', 'dice', 'dice-ce'].includes(c.name)) assert.match(c.docs!, /Source/, `${c.name} names no source paper`);
      const schema = c.schema as { properties: Record<string, { description?: string; default?: unknown }>; required?: string[]; additionalProperties: boolean };
      assert.equal(schema.additionalProperties, false, `${c.name} accepts unknown options`);
      for (const [key, prop] of Object.entries(schema.properties)) {
        assert.ok(prop.description, `${c.name}.${key} has no description`);
        assert.ok('default' in prop || schema.required?.includes(key), `${c.name}.${key} has neither default nor required`);
      }
    }
  });

  test('validation fills defaults and reports bad values with pointers; rules catch semantic errors', async () => {
    const registry = new Registry();
    await registry.use(plugin);
    const graphFlow = registry.require('loss/graph-flow');
    const options: Record<string, unknown> = { pairs: 3 };
    assert.ok(graphFlow.validate(options));
    assert.equal(options.lambdaVertex, 0.5);
    assert.equal(options.grid, 8);
    assert.equal(graphFlow.validate({ pairs: 4 }), false);
    assert.equal(graphFlow.validate.errors![0]!.instancePath, '/pairs');

    const kd = registry.require('loss/kd');
    const bad: Record<string, unknown> = { temperature: -1 };
    assert.ok(kd.validate(bad));
    assert.deepEqual(kd.definition.rules!(bad).map((p: { pointer: string }) => p.pointer), ['/temperature']);
    const zero: Record<string, unknown> = { temperature: 0 };
    kd.validate(zero);
    assert.equal(kd.definition.rules!(zero).length, 1);

    const gf: Record<string, unknown> = { pairs: 3, teacherTaps: ['a', 'b'] };
    graphFlow.validate(gf);
    assert.deepEqual(graphFlow.definition.rules!(gf).map((p: { pointer: string }) => p.pointer), ['/pairs']);

    assert.ok(graphFlow.validate({ paraphraser: 'models.paraphraser' }) && graphFlow.validate({ paraphraser: null }));
    assert.equal(graphFlow.validate({ paraphraser: 3 }), false);
    const ce = registry.require('loss/ce');
    assert.ok(ce.validate({ classWeights: [1, 4] }) && ce.validate({ classWeights: null }));
    assert.equal(ce.validate({ classWeights: [] }), false);
    assert.equal(ce.validate({ classWeights: [-1] }), false);
    const para = registry.require('module/paraphraser');
    assert.equal(para.validate({}), false, 'paraphraser requires its teacher reference');
  });
});
