import 'reflect-metadata';
import { container as globalContainer } from 'tsyringe';
import { GraphFlowError } from '../errors/graphflow-error';
import { createLogger } from '../logging/logger';
import { idleRunOptions } from '../pipeline/run-options';
import { TOKENS } from '../plugin/tokens';
import type { ComponentContext, ComponentSpec } from '../plugin/types';

export interface TestContextOptions {
  /** The run seed the container carries (TOKENS.Seed; default 1). */
  seed?: number;
  /** Where in a manifest the component sits, for messages (default `test`). */
  path?: string;
  /** Manifest references the component may resolve (`models.teacher`, `data` …). */
  refs?: Record<string, unknown>;
  /** Builds nested component specs (default: refuses, naming the spec). */
  build?: (spec: ComponentSpec, path: string) => Promise<unknown>;
}

/**
 * What a component's `create(options, ctx)` receives in a pipeline, for calling a factory in a test without one: a
 * silent logger and a container carrying the run-wide tokens a component may resolve (seed, logger, run options).
 */
export function testComponentContext(o: TestContextOptions = {}): ComponentContext {
  const logger = createLogger({ level: 'silent' });
  const container = globalContainer.createChildContainer();
  const runOptions = idleRunOptions('test.json');
  container.register(TOKENS.Seed, { useValue: o.seed ?? 1 });
  container.register(TOKENS.Logger, { useValue: logger });
  container.register(TOKENS.RunOptions, { useValue: runOptions });
  const refs = o.refs ?? {};
  return {
    logger,
    container,
    path: o.path ?? 'test',
    resolve: async <T>(ref: string) => {
      if (!(ref in refs)) throw new GraphFlowError('GF_MANIFEST_REF', `test context: no reference "${ref}" (given: ${Object.keys(refs).join(', ') || 'none'})`);
      return refs[ref] as T;
    },
    build: async <T>(spec: ComponentSpec, path: string) => {
      if (!o.build) throw new GraphFlowError('GF_INTERNAL', `test context: cannot build ${spec.type} at ${path}; pass build to testComponentContext`);
      return (await o.build(spec, path)) as T;
    },
  };
}
