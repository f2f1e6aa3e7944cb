import type { Logger } from 'pino';
import { GraphFlowError } from '../errors/graphflow-error';
import { ERROR_TABLE, type PluginErrorCodes, type PluginErrorDefinition } from '../errors/plugin-error-codes';
import type { ComponentDefinition, GraphFlowPlugin, KindDefinition, PluginApi } from '../plugin/types';
import { closest } from '../util/suggest';
import { BUILTIN_KINDS } from './builtin-kinds';
import { createAjv, type ValidateFunction } from './schema-compiler';
import { CORE_VERSION } from '../version';
import type Ajv from 'ajv';
import * as semver from 'semver';

const NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export interface RegisteredComponent {
  id: string;
  definition: ComponentDefinition<any, unknown>;
  /** Name of the plugin that registered it. */
  plugin: string;
  validate: ValidateFunction;
}

export interface RegisteredKind extends KindDefinition {
  plugin: string;
}

export interface LoadedPluginInfo {
  name: string;
  version?: string;
  /** Where it was loaded from (resolved file), when loaded from disk. */
  source?: string;
  components: string[];
}

/**
 * Every kind and component the loaded plugins declared.
 * Built-in and third-party plugins register through the same PluginApi; there is no other path in.
 */
export class Registry {
  readonly ajv: Ajv = createAjv();
  private readonly kinds = new Map<string, RegisteredKind>();
  private readonly components = new Map<string, RegisteredComponent>();
  private readonly plugins: LoadedPluginInfo[] = [];
  /** Error-code prefixes by the plugin that registered them, with their codes. */
  private readonly errorPrefixes = new Map<string, { plugin: string; codes: Readonly<Record<string, PluginErrorDefinition>> }>();

  constructor(private readonly logger?: Logger) {
    for (const kind of BUILTIN_KINDS) this.kinds.set(kind.name, { ...kind, plugin: '@graphflow/core' });
  }

  /**
   * Run a plugin's `register`. All-or-nothing: if it throws or registers a duplicate, none of its
   * components stay registered, and the error says which plugin and why.
   */
  async use(plugin: GraphFlowPlugin, options: Record<string, unknown> = {}, source?: string): Promise<LoadedPluginInfo> {
    if (this.plugins.some((p) => p.name === plugin.name)) {
      return this.plugins.find((p) => p.name === plugin.name)!;
    }
    const where = source ? { file: source } : {};
    this.checkMetadata(plugin, where);
    const staged: RegisteredComponent[] = [];
    const stagedKinds: RegisteredKind[] = [];
    const stagedErrors: { prefix: string; codes: Readonly<Record<string, PluginErrorDefinition>> }[] = [];
    const pluginLogger = this.logger?.child({ plugin: plugin.name });
    const api: PluginApi = {
      logger: pluginLogger ?? (silentLogger() as Logger),
      coreVersion: CORE_VERSION,
      kind: (definition) => {
        if (!NAME_PATTERN.test(definition.name)) {
          throw new GraphFlowError('GF_COMPONENT_INVALID', `kind name "${definition.name}" must be kebab-case`, where);
        }
        if (this.kinds.has(definition.name) || stagedKinds.some((k) => k.name === definition.name)) return;
        stagedKinds.push({ ...definition, plugin: plugin.name });
      },
      component: (definition) => {
        staged.push(this.prepare(definition as ComponentDefinition<any, unknown>, plugin.name, stagedKinds, staged, where));
      },
      errorCodes: (errors) => {
        const table = (errors as Partial<PluginErrorCodes<Record<string, PluginErrorDefinition>>> | undefined)?.[ERROR_TABLE];
        if (!table) throw new GraphFlowError('GF_PLUGIN_INVALID', `plugin "${plugin.name}" passed api.errorCodes() something defineErrorCodes() did not make`, where);
        const owner = this.errorPrefixes.get(table.prefix)?.plugin ?? (stagedErrors.some((e) => e.prefix === table.prefix) ? plugin.name : undefined);
        if (owner !== undefined) {
          throw new GraphFlowError('GF_PLUGIN_INVALID', `plugin "${plugin.name}" registers error-code prefix ${table.prefix}, which ${owner === plugin.name ? 'it already registered' : `plugin "${owner}" owns`}`, where);
        }
        stagedErrors.push(table);
      },
    };
    try {
      await plugin.register(api, options);
    } catch (e) {
      if (e instanceof GraphFlowError) throw e;
      throw new GraphFlowError('GF_PLUGIN_REGISTER_FAILED', `plugin "${plugin.name}" threw while registering: ${(e as Error)?.message ?? String(e)}`, { ...where, cause: e });
    }
    for (const kind of stagedKinds) this.kinds.set(kind.name, kind);
    for (const component of staged) this.components.set(component.id, component);
    for (const e of stagedErrors) this.errorPrefixes.set(e.prefix, { plugin: plugin.name, codes: e.codes });
    const info: LoadedPluginInfo = { name: plugin.name, components: staged.map((c) => c.id) };
    if (plugin.version !== undefined) info.version = plugin.version;
    if (source !== undefined) info.source = source;
    this.plugins.push(info);
    pluginLogger?.debug({ components: info.components }, 'plugin registered');
    return info;
  }

  /** fastify-plugin's checks: the core version range and the plugins this one needs, before its register runs. */
  private checkMetadata(plugin: GraphFlowPlugin, where: { file?: string }): void {
    if (plugin.graphflow !== undefined) {
      if (typeof plugin.graphflow !== 'string' || semver.validRange(plugin.graphflow) === null) {
        throw new GraphFlowError('GF_PLUGIN_INVALID', `plugin "${plugin.name}" declares graphflow: ${JSON.stringify(plugin.graphflow)}, which is not a semver range (e.g. "^0.1.0")`, where);
      }
      if (!semver.satisfies(CORE_VERSION, plugin.graphflow, { includePrerelease: true })) {
        throw new GraphFlowError('GF_PLUGIN_VERSION_MISMATCH', `plugin "${plugin.name}"${plugin.version ? ` ${plugin.version}` : ''} needs @graphflow/core ${plugin.graphflow}, but this is ${CORE_VERSION}`, where);
      }
    }
    if (plugin.dependencies !== undefined) {
      if (!Array.isArray(plugin.dependencies) || plugin.dependencies.some((d) => typeof d !== 'string')) {
        throw new GraphFlowError('GF_PLUGIN_INVALID', `plugin "${plugin.name}" declares dependencies that are not a list of plugin names`, where);
      }
      const missing = plugin.dependencies.filter((d) => !this.plugins.some((p) => p.name === d));
      if (missing.length > 0) {
        const loaded = this.plugins.map((p) => p.name);
        throw new GraphFlowError('GF_PLUGIN_DEPENDENCY_MISSING', `plugin "${plugin.name}" needs ${missing.map((m) => `"${m}"`).join(', ')} registered before it (loaded so far: ${loaded.length ? loaded.join(', ') : 'none'})`, where);
      }
    }
  }

  private prepare(
    definition: ComponentDefinition<any, unknown>,
    pluginName: string,
    stagedKinds: RegisteredKind[],
    staged: RegisteredComponent[],
    where: { file?: string },
  ): RegisteredComponent {
    const label = `${definition?.kind}/${definition?.name}`;
    const bad = (why: string) => new GraphFlowError('GF_COMPONENT_INVALID', `plugin "${pluginName}": component ${label} ${why}`, where);
    if (typeof definition !== 'object' || definition === null) throw bad('is not an object');
    if (typeof definition.kind !== 'string' || !(this.kinds.has(definition.kind) || stagedKinds.some((k) => k.name === definition.kind))) {
      const known = [...this.kinds.keys(), ...stagedKinds.map((k) => k.name)];
      const hint = typeof definition.kind === 'string' ? closest(definition.kind, known) : undefined;
      throw new GraphFlowError('GF_KIND_UNKNOWN', `plugin "${pluginName}": component ${label} has unknown kind "${definition.kind}" (declare it with api.kind() first)`, {
        problems: [{ code: 'GF_KIND_UNKNOWN', message: `unknown kind "${definition.kind}"`, ...where, ...(hint ? { suggestion: hint } : {}) }],
      });
    }
    if (typeof definition.name !== 'string' || !NAME_PATTERN.test(definition.name)) throw bad('needs a kebab-case name');
    if (typeof definition.description !== 'string' || definition.description.trim() === '') throw bad('needs a one-line description');
    if (typeof definition.create !== 'function') throw bad('needs a create(options, ctx) factory');
    if (typeof definition.schema !== 'object' || definition.schema === null) throw bad('needs a JSON Schema for its options');
    if (definition.role !== undefined) {
      if (definition.kind !== 'loss') throw bad(`declares role "${String(definition.role)}", which only losses have`);
      if (definition.role !== 'supervised' && definition.role !== 'distillation') throw bad(`has role "${String(definition.role)}"; a loss's role is "supervised" or "distillation"`);
    }
    if (definition.trains !== undefined) {
      if (definition.kind !== 'stage') throw bad(`declares trains "${String(definition.trains)}", which only stages have`);
      const properties = (definition.schema as { properties?: Record<string, unknown> }).properties ?? {};
      if (typeof definition.trains !== 'string' || !Object.hasOwn(properties, definition.trains)) throw bad(`declares trains "${String(definition.trains)}", which is not one of its options`);
    }
    const id = `${definition.kind}/${definition.name}`;
    const existing = this.components.get(id) ?? staged.find((c) => c.id === id);
    if (existing) {
      throw new GraphFlowError('GF_COMPONENT_DUPLICATE', `component ${id} is registered by both "${existing.plugin}" and "${pluginName}"`, where);
    }
    let validate: ValidateFunction;
    try {
      validate = this.ajv.compile({ type: 'object', ...definition.schema });
    } catch (e) {
      throw bad(`has an invalid options schema: ${(e as Error).message}`);
    }
    return { id, definition, plugin: pluginName, validate };
  }

  get(id: string): RegisteredComponent | undefined {
    return this.components.get(id);
  }

  /** Like get, but throws GF_COMPONENT_UNKNOWN with a near-miss suggestion. */
  require(id: string, location: { file?: string; pointer?: string } = {}): RegisteredComponent {
    const found = this.components.get(id);
    if (found) return found;
    const suggestion = this.suggest(id);
    throw new GraphFlowError('GF_COMPONENT_UNKNOWN', `unknown component "${id}"`, {
      problems: [{ code: 'GF_COMPONENT_UNKNOWN', message: `unknown component "${id}"`, ...location, ...(suggestion ? { suggestion } : {}) }],
    });
  }

  /** Closest registered id to a misspelled one, preferring the same kind. */
  suggest(id: string): string | undefined {
    const [kind, name] = id.includes('/') ? (id.split('/', 2) as [string, string]) : ['', id];
    const sameKind = this.list(kind).map((c) => c.id);
    if (sameKind.length > 0) {
      const inKind = closest(`${kind}/${name}`, sameKind);
      if (inKind) return inKind;
    }
    // The name may be right under another kind, or the kind misspelled.
    const all = [...this.components.keys()];
    const byName = all.filter((other) => other.split('/')[1] === name);
    if (byName.length === 1) return byName[0];
    return closest(id, all);
  }

  hasKind(kind: string): boolean {
    return this.kinds.has(kind);
  }

  listKinds(): RegisteredKind[] {
    return [...this.kinds.values()];
  }

  /** Components, optionally of one kind, sorted by id. */
  /** The error codes plugins registered with api.errorCodes(), by full code. */
  listErrorCodes(): { code: string; plugin: string; description: string; input: boolean }[] {
    return [...this.errorPrefixes.entries()].flatMap(([prefix, { plugin, codes }]) =>
      Object.entries(codes).map(([name, d]) => ({ code: `${prefix}_${name}`, plugin, description: d.description, input: d.input })));
  }

  list(kind?: string): RegisteredComponent[] {
    return [...this.components.values()].filter((c) => kind === undefined || kind === '' || c.definition.kind === kind).sort((a, b) => a.id.localeCompare(b.id));
  }

  listPlugins(): readonly LoadedPluginInfo[] {
    return this.plugins;
  }
}

function silentLogger(): unknown {
  const noop = () => undefined;
  const logger: Record<string, unknown> = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, fatal: noop, level: 'silent' };
  logger['child'] = () => logger;
  return logger;
}
