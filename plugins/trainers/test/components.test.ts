import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import plugin, { TRAINER_COMPONENTS } from '../src/index';
import { Registry, type ComponentContext, type ComponentDefinition, type ComponentSpec } from '@graphflow/core';

const byId = new Map(TRAINER_COMPONENTS.map((c) => [`${c.kind}/${c.name}`, c as unknown as ComponentDefinition<Record<string, unknown>, unknown>]));

// Core's registry compiles every schema with its strict Ajv (defaults, GraphFlow keywords), as a manifest run would.
const registry = new Registry();
const registered = registry.use(plugin);

function validate(id: string, options: Record<string, unknown>): { ok: boolean; options: Record<string, unknown>; errors: string[] } {
  const validateFn = registry.get(id)!.validate;
  const ok = validateFn(options) as boolean;
  return { ok, options, errors: (validateFn.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) };
}

test('the plugin registers every stage, optimizer, schedule, metric and tool', () => {
  const ids: string[] = [];
  void plugin.register({ component: (d: { kind: string; name: string }) => ids.push(`${d.kind}/${d.name}`), kind: () => {}, logger: pino({ level: 'silent' }), coreVersion: '0.1.0' } as never, {});
  assert.deepEqual(ids.sort(), [
    'metric/accuracy', 'metric/dice', 'metric/hd95', 'metric/iou',
    'optimizer/adam', 'optimizer/adamw', 'optimizer/sgd',
    'schedule/constant', 'schedule/cosine', 'schedule/poly', 'schedule/step',
    'stage/distill', 'stage/evaluate', 'stage/paraphraser', 'stage/predict', 'stage/supervised',
    'tool/evaluate', 'tool/export', 'tool/predict',
  ]);
});

test('every schema compiles in core’s registry (strict Ajv) and documents every property', async () => {
  const info = await registered;
  assert.equal(info.components.length, TRAINER_COMPONENTS.length);
  for (const [id, c] of byId) {
    assert.ok(registry.get(id), id);
    const walk = (schema: Record<string, unknown>, at: string) => {
      const props = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
      for (const [k, p] of Object.entries(props)) {
        assert.ok(typeof p['description'] === 'string' && p['description'].length > 0, `${id}: ${at}/${k} has no description`);
        walk(p, `${at}/${k}`);
      }
      if (schema['items']) walk(schema['items'] as Record<string, unknown>, `${at}/items`);
    };
    walk(c.schema, '');
    assert.equal(c.schema['additionalProperties'], false, `${id} must reject unknown options`);
  }
});

test('defaults: the paper’s SGD/poly settings and a supervised stage filled from a minimal spec', async () => {
  await registered;
  assert.deepEqual(validate('optimizer/sgd', {}).options, { lr: 0.01, momentum: 0.9, nesterov: false, weightDecay: 1e-4 });
  assert.equal(validate('schedule/poly', {}).options['power'], 0.9);
  const sup = validate('stage/supervised', { model: 'models.teacher', losses: [{ type: 'loss/dice-ce' }] });
  assert.ok(sup.ok, sup.errors.join('; '));
  const o = sup.options as { epochs: number; validation: { monitor: string; every: number; metrics: ComponentSpec[] }; losses: { weight: number }[]; optimizer: ComponentSpec };
  assert.equal(o.epochs, 10);
  assert.equal(o.validation.monitor, 'dice');
  assert.equal(o.validation.metrics.length, 4);
  assert.equal(o.losses[0]!.weight, 1);
  assert.equal(o.optimizer.type, 'optimizer/adam');
  const bad = validate('stage/supervised', { model: 'models.teacher', losses: [], epochs: 0, bogus: 1 });
  assert.equal(bad.ok, false);
  assert.ok(bad.errors.some((e) => e.startsWith('/losses')));
  assert.ok(bad.errors.some((e) => e.startsWith('/epochs')));
});

test('rules catch semantic mistakes before any work', async () => {
  await registered;
  const sup = byId.get('stage/supervised')!;
  const o = validate('stage/supervised', { model: 'models.teacher', losses: [{ type: 'loss/ce' }], validation: { monitor: 'hd99' } }).options;
  assert.deepEqual(sup.rules!(o).map((v) => v.pointer), ['/validation/monitor']);
  const ok = validate('stage/supervised', { model: 'models.teacher', losses: [{ type: 'loss/ce' }], validation: { monitor: 'dice/membrane' } }).options;
  assert.deepEqual(sup.rules!(ok), []);
  const distill = validate('stage/distill', { student: 'models.a', teacher: 'models.a', losses: [{ type: 'loss/kd' }] }).options;
  assert.ok(byId.get('stage/distill')!.rules!(distill).some((v) => v.pointer === '/student'));
  assert.equal(byId.get('optimizer/sgd')!.rules!({ lr: 0.1, momentum: 0, nesterov: true, weightDecay: 0 }).length, 1);
  assert.equal(byId.get('schedule/step')!.rules!({ gamma: 0.1, stepSize: 1, milestones: [5, 3], warmupSteps: 0, warmupStartFactor: 0.1 }).length, 1);
});

/** A context that builds the registered components for real and a stub for anything else, recording where each was built. */
function recordingContext(path: string, record: (spec: ComponentSpec, at: string) => void): ComponentContext {
  const ctx: ComponentContext = {
    logger: pino({ level: 'silent' }),
    container: undefined as never,
    path,
    resolve: async () => undefined as never,
    build: async <T>(spec: ComponentSpec, at: string): Promise<T> => {
      record(spec, at);
      const def = byId.get(spec.type);
      if (def) return (await def.create(validate(spec.type, { ...(spec.options ?? {}) }).options, ctx)) as T;
      // Loss stubs carry the id the stage names terms by; an adversarial stub needs an adversary to be accepted.
      return { id: spec.type.replace('loss/', ''), ...(spec.type === 'loss/adversarial' ? { adversary: {} } : {}), requirements: () => ({ labels: true, teacher: false, studentTaps: [], teacherTaps: [] }) } as T;
    },
  };
  return ctx;
}

test('stage factories build nested optimizers, schedules, losses and metrics through the context', async () => {
  await registered;
  const built: string[] = [];
  const ctx = recordingContext('stages.teacher', (spec, at) => built.push(`${at}=${spec.type}`));
  const options = validate('stage/supervised', { model: 'models.teacher', losses: [{ type: 'loss/ce', weightSchedule: { type: 'schedule/cosine' } }] }).options;
  const stage = await byId.get('stage/supervised')!.create(options, ctx);
  assert.equal(typeof (stage as { run?: unknown }).run, 'function');
  assert.deepEqual(built, [
    'stages.teacher.losses.ce=loss/ce',
    'stages.teacher.losses.ce.weightSchedule=schedule/cosine',
    'stages.teacher.optimizer=optimizer/adam',
    'stages.teacher.schedule=schedule/poly',
    'stages.teacher.validation.metrics.0=metric/dice',
    'stages.teacher.validation.metrics.1=metric/iou',
    'stages.teacher.validation.metrics.2=metric/accuracy',
    'stages.teacher.validation.metrics.3=metric/hd95',
  ]);
});

test('loss terms are built at paths named after the terms, so inserting a term does not move (and reseed) the others', async () => {
  await registered;
  const builtAt = async (losses: Record<string, unknown>[]): Promise<string[]> => {
    const built: string[] = [];
    const ctx = recordingContext('stages.distill', (spec, at) => {
      if (spec.type.startsWith('loss/')) built.push(`${at}=${spec.type}`);
    });
    const options = validate('stage/supervised', { model: 'models.student', losses }).options;
    await byId.get('stage/supervised')!.create(options, ctx);
    return built;
  };
  assert.deepEqual(await builtAt([{ type: 'loss/dice-ce' }, { type: 'loss/adversarial' }]), ['stages.distill.losses.dice-ce=loss/dice-ce', 'stages.distill.losses.adversarial=loss/adversarial']);
  assert.deepEqual(await builtAt([{ type: 'loss/dice-ce' }, { type: 'loss/kd' }, { type: 'loss/adversarial' }, { type: 'loss/adversarial', name: 'second-opinion' }, { type: 'loss/kd' }]), [
    'stages.distill.losses.dice-ce=loss/dice-ce',
    'stages.distill.losses.kd=loss/kd',
    'stages.distill.losses.adversarial=loss/adversarial',
    'stages.distill.losses.second-opinion=loss/adversarial',
    'stages.distill.losses.kd#2=loss/kd',
  ]);
});
