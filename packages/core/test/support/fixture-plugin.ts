import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { definePlugin, GraphFlowError, type Stage, type StageContext } from '../../src';

/** What the fixture components record, so tests can see what the container gave them. */
export const built: { id: string; path: string; options: Record<string, unknown>; resolved?: unknown }[] = [];

export class FakeNet {
  trainedBy: string[] = [];
  /** Stands in for weight initialization, which unseeded tfjs initializers draw from Math.random. */
  readonly initDraw = Math.random();
  constructor(readonly width: number) {}
}

/** A plugin with the shapes real plugins have: refs, nested components, rules, a stage that writes files. */
export const fixturePlugin = definePlugin({
  name: 'fixture-plugin',
  version: '1.0.0',
  register(api) {
    api.component({
      kind: 'backbone',
      name: 'fake-net',
      description: 'A network stand-in.',
      schema: {
        properties: {
          width: { type: 'integer', minimum: 1, default: 8, description: 'channels' },
          heads: { type: 'integer', minimum: 1, default: 2 },
        },
        additionalProperties: false,
      },
      rules: (o: { width: number; heads: number }) => (o.width % o.heads === 0 ? [] : [{ pointer: '/heads', message: `width ${o.width} is not divisible by heads ${o.heads}`, expected: 'a divisor of width' }]),
      create: (o: { width: number; heads: number }, ctx) => {
        built.push({ id: 'backbone/fake-net', path: ctx.path, options: o });
        return new FakeNet(o.width);
      },
    });
    api.component({
      kind: 'loss',
      name: 'graph-flow',
      description: 'A loss stand-in.',
      schema: {
        properties: { temperature: { type: 'number', exclusiveMinimum: 0, default: 4 }, mode: { type: 'string', enum: ['edges', 'vertices'], default: 'edges' } },
        additionalProperties: false,
      },
      create: (o, ctx) => {
        built.push({ id: 'loss/graph-flow', path: ctx.path, options: o as Record<string, unknown> });
        return { kind: 'loss', options: o, container: ctx.container };
      },
    });
    api.component({
      kind: 'stage',
      name: 'train',
      description: 'Marks a model as trained and writes a file.',
      schema: {
        properties: {
          model: { type: 'string', gfRef: 'models', description: 'model to train' },
          epochs: { type: 'integer', minimum: 1, default: 1 },
          losses: { type: 'array', default: [], items: { type: 'object', gfComponent: 'loss' } },
          failAt: { type: 'integer', minimum: 0 },
          preflightFails: { type: 'boolean', default: false, description: 'preflight() throws GF_OPTIONS_INVALID' },
        },
        required: ['model'],
        additionalProperties: false,
      },
      create: (o: { model: string; epochs: number; losses: { type: string; options?: Record<string, unknown> }[]; failAt?: number; preflightFails: boolean }, ctx) => {
        const stage: Stage = {
          async preflight(sctx: StageContext) {
            await sctx.resolve<FakeNet>(o.model);
            if (o.preflightFails) throw new GraphFlowError('GF_OPTIONS_INVALID', `stage ${sctx.name}: the network does not fit the data`, { pointer: `/stages/${sctx.index}/options/model` });
          },
          async run(sctx: StageContext) {
            const net = await sctx.resolve<FakeNet>(o.model);
            const losses = await Promise.all(o.losses.map((spec, i) => ctx.build(spec, `${ctx.path}.losses.${i}`)));
            for (let epoch = 0; epoch < o.epochs; epoch++) {
              if (o.failAt === epoch) throw new Error(`boom at epoch ${epoch}`);
              net.trainedBy.push(sctx.name);
            }
            await fs.writeFile(path.join(sctx.dir, 'trained.txt'), `${o.model} ${o.epochs}\n`);
            return { metrics: { epochs: o.epochs, losses: losses.length, trainedBy: net.trainedBy.length }, artifacts: [`stages/${sctx.name}/trained.txt`] };
          },
          async restore(sctx: StageContext) {
            const net = await sctx.resolve<FakeNet>(o.model);
            net.trainedBy.push(`${sctx.name}(restored)`);
          },
        };
        return stage;
      },
    });
  },
});

export async function tempDir(prefix = 'gf-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function writeJson(file: string, value: unknown): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

export default fixturePlugin;
