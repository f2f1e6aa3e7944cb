import 'reflect-metadata';
import type { Logger } from 'pino';
import { instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { GraphFlowError } from '../errors/graphflow-error';
import type { ComponentContext, ComponentSpec } from '../plugin/types';
import { refToken } from '../plugin/tokens';
import type { Registry } from '../registry/registry';
import { deriveRng } from '../util/rng';
import { withMathRandomFrom } from '../util/seeded-math-random';

/**
 * Builds components from validated specs, wiring their collaborators through the DI container:
 * manifest entries (`data`, `models.<name>`) are lazy singletons in the run container, so a model
 * trained by one stage is the instance the next stage gets; nested components are built in the
 * scope (container) that asks for them, so a stage's losses live in that stage's child container.
 */
export class ComponentScope {
  private readonly building: string[] = [];

  /**
   * @param seed When given, `Math.random` is seeded from (seed, entry) while each manifest entry is built: unseeded
   * TensorFlow.js initializers draw their seeds from it, so the same run seed gives the same initial weights. An entry's
   * own `initSeed` replaces (run seed, entry), so two entries can be made to start from identical weights.
   */
  constructor(
    private readonly registry: Registry,
    private readonly logger: Logger,
    private readonly seed?: number,
  ) {}

  /**
   * Register a manifest entry (`data`, `models.x`) as a lazily built singleton of `container` (the run's). It is
   * built in that container whichever stage first asks for it, so a run-wide model never holds one stage's scope.
   */
  registerEntry(container: DependencyContainer, ref: string, spec: ComponentSpec): void {
    container.register(refToken(ref), {
      useFactory: instanceCachingFactory(() => this.buildEntry(ref, spec, container)),
    });
  }

  private async buildEntry(ref: string, spec: ComponentSpec, container: DependencyContainer): Promise<unknown> {
    if (this.building.includes(ref)) {
      throw new GraphFlowError('GF_MANIFEST_REF', `references form a cycle: ${[...this.building.slice(this.building.indexOf(ref)), ref].join(' → ')}`);
    }
    this.building.push(ref);
    const own = typeof spec['initSeed'] === 'number' ? spec['initSeed'] : undefined;
    try {
      if (own === undefined && this.seed === undefined) return await this.build(spec, ref, container);
      const rng = own !== undefined ? deriveRng(own, 'init') : deriveRng(this.seed!, 'init', ref);
      // Entries are built one at a time (stages await them), so nothing else draws from the seeded stream meanwhile.
      return await withMathRandomFrom(rng, () => this.build(spec, ref, container));
    } finally {
      this.building.splice(this.building.indexOf(ref), 1);
    }
  }

  async resolve<T>(container: DependencyContainer, ref: string): Promise<T> {
    const token = refToken(ref);
    if (!container.isRegistered(token, true)) {
      throw new GraphFlowError('GF_MANIFEST_REF', `reference "${ref}" names nothing defined in this run`);
    }
    return (await container.resolve<Promise<T> | T>(token)) as T;
  }

  context(id: string, path: string, container: DependencyContainer): ComponentContext {
    return {
      logger: this.logger.child({ component: id, entry: path }),
      container,
      path,
      resolve: <T>(ref: string) => this.resolve<T>(container, ref),
      build: <T>(spec: ComponentSpec, nestedPath: string) => this.build(spec, nestedPath, container) as Promise<T>,
    };
  }

  async build(spec: ComponentSpec, path: string, container: DependencyContainer): Promise<unknown> {
    const component = this.registry.require(spec.type);
    return component.definition.create(spec.options ?? {}, this.context(component.id, path, container));
  }
}
