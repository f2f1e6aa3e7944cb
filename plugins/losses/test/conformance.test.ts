import type { ComponentContext, LossTerm } from '@graphflow/core';
import { Registry } from '@graphflow/core';
import { lossConformance, testComponentContext } from '@graphflow/core/testing';
import plugin from '../src';
import { TinyNet } from './helpers/tiny-net';

/** The shared loss conformance suite over first-party terms, each built by its component at its schema defaults. */
const SIZE = 16;
const student = new TinyNet(1, 3, [4, 6, 8], 1, 'test/student');
const teacher = new TinyNet(1, 3, [8, 12, 16], 2, 'test/teacher');
const shapes = (net: TinyNet) => ({
  logits: [2, SIZE, SIZE, net.numClasses] as [number, number, number, number],
  taps: Object.fromEntries(net.taps.map((t) => [t.name, [2, SIZE / t.stride, SIZE / t.stride, t.channels] as [number, number, number, number]])),
});
const ctx = { ...testComponentContext({ seed: 0, path: 'stages.0.options.losses.0' }), resolve: async () => undefined } as unknown as ComponentContext;

async function build(id: string): Promise<LossTerm> {
  const registry = new Registry();
  await registry.use(plugin);
  const registered = registry.require(id);
  const options: Record<string, unknown> = {};
  if (!registered.validate(options)) throw new Error(`${id}: ${JSON.stringify(registered.validate.errors)}`);
  return (await registered.definition.create(options, ctx)) as LossTerm;
}

for (const id of ['loss/dice-ce', 'loss/kd', 'loss/graph-flow', 'loss/at', 'loss/dist']) {
  lossConformance({
    label: id,
    create: () => build(id),
    bindContext: () => ({ student, teacher, inputSize: [SIZE, SIZE], numClasses: 3, channels: 1 }),
    student: shapes(student),
    teacher: shapes(teacher),
  });
}
