import type { DependencyContainer } from 'tsyringe';
import type { Logger } from 'pino';

/** A JSON Schema (draft 2020-12 subset that ajv understands), plus GraphFlow's keywords. */
export type JsonSchema = Record<string, unknown>;

/**
 * GraphFlow's schema keywords, understood by the manifest validator:
 * - `gfRef: "models" | "stages" | "data"` on a string: the value is a reference such as `"models.teacher"`;
 *   validation checks the entry exists and the container resolves it for the factory.
 * - `gfComponent: "<kind>"` on an object: the value is a nested component spec `{ "type": "<kind>/<name>", "options": {…} }`
 *   whose options are validated against that component's own schema.
 */
export interface GraphFlowSchemaKeywords {
  gfRef?: 'models' | 'stages' | 'data';
  gfComponent?: string;
}

/** Extra validation beyond JSON Schema; return problems with pointers relative to the options object. */
export interface OptionRuleViolation {
  /** JSON pointer relative to the component's options, e.g. `/heads`. */
  pointer: string;
  message: string;
  expected?: string;
}

/** One problem a component's checkFiles found: where in its options (JSON pointer) and which file. */
export interface FileCheckProblem {
  /** JSON pointer relative to the component's options, e.g. `/root`; '' for the options as a whole. */
  pointer: string;
  message: string;
  /** The file or folder concerned (absolute). */
  file?: string;
  expected?: string;
}

/** What a factory receives besides its validated options. */
export interface ComponentContext {
  /** A pino child logger bound to `{ component: "<kind>/<name>", entry: "<manifest path>" }`. */
  readonly logger: Logger;
  /** The DI container scoped to where the component is built (run, or a stage's child container). */
  readonly container: DependencyContainer;
  /**
   * Where in the manifest the component was declared, e.g. `models.teacher` or `stages.distill.losses.kd`: stages and
   * loss terms by name, so a component's seeded draws do not depend on what else the manifest lists.
   */
  readonly path: string;
  /** Resolve a manifest reference such as `models.teacher` or `data` to its built instance. */
  resolve<T = unknown>(ref: string): Promise<T>;
  /** Build a nested component spec (a `gfComponent` option value) within the same scope. */
  build<T = unknown>(spec: ComponentSpec, path: string): Promise<T>;
}

/** A component as written in a manifest. */
export interface ComponentSpec {
  type: string;
  options?: Record<string, unknown>;
  [extra: string]: unknown;
}

/**
 * One named, schema-described thing a plugin contributes. `kind/name` is its global id.
 * O: validated options type (after defaults). T: what the factory builds.
 */
/** What a loss term learns from: the labels or a teacher (see ComponentDefinition.role). */
export type LossRole = 'supervised' | 'distillation';

export interface ComponentDefinition<O = Record<string, unknown>, T = unknown> {
  kind: string;
  /** kebab-case, unique within its kind. */
  name: string;
  /** One line shown by `graphflow list`. */
  description: string;
  /** Longer Markdown shown by `graphflow describe` (formula, shapes, source paper). */
  docs?: string;
  /** JSON Schema of the options object; `default`s are filled in during validation. */
  schema: JsonSchema;
  /** Semantic checks that JSON Schema cannot express; run at validation time, before any work. */
  rules?: (options: O) => OptionRuleViolation[];
  /**
   * Checks of the files and folders the options name that need the file system but no decoding (a dataset's root
   * exists and holds at least one pair). `graphflow validate` runs them unless `--no-data`; they never execute or
   * decode what they find. Pointers are relative to the component's options.
   */
  checkFiles?: (options: O) => Promise<FileCheckProblem[]>;
  /**
   * Losses only: `supervised` when the term learns from the ground truth, `distillation` when it learns from a
   * teacher. Tools that vary what is distilled (the ablation presets) keep supervised terms in every variant; a loss
   * that declares nothing counts as distillation.
   */
  role?: LossRole;
  /**
   * Stages only: the option that names the model this stage trains (a `models.*` reference), e.g. `student` of a
   * distillation stage. Commands read it to find the trained model of a run (`eval`, `predict`, `export`) and the
   * entry whose initial weights `ablate --seeds` varies, without knowing any stage type.
   */
  trains?: string;
  /** Builds the component. May be async. Receives validated options with defaults filled in. */
  create: (options: O, ctx: ComponentContext) => T | Promise<T>;
}

/** A family of components. Plugins may declare new kinds. */
export interface KindDefinition {
  name: string;
  description: string;
}

/** The API a plugin's `register` receives; built-in and third-party plugins get exactly this. */
export interface PluginApi {
  /** Register a component. Throws GF_COMPONENT_DUPLICATE if kind/name already exists. */
  component<O, T>(definition: ComponentDefinition<O, T>): void;
  /** Declare a new component kind. */
  kind(definition: KindDefinition): void;
  /**
   * Register the plugin's own error codes (made with `defineErrorCodes(prefix, …)`), so listings and the docs show
   * them; a prefix belongs to one plugin (GF_PLUGIN_INVALID otherwise).
   */
  errorCodes(errors: object): void;
  /** A pino child logger bound to `{ plugin: name }`. */
  readonly logger: Logger;
  /** The version of @graphflow/core the plugin is loaded into. */
  readonly coreVersion: string;
}

export interface GraphFlowPlugin {
  /** Package-like name, e.g. `@graphflow/losses` or `graphflow-plugin-tversky`. */
  name: string;
  version?: string;
  /**
   * Semver range of @graphflow/core the plugin works with (as fastify-plugin's `fastify`), e.g. `^0.1.0`; checked
   * before `register` runs: GF_PLUGIN_VERSION_MISMATCH when the loaded core is outside it.
   */
  graphflow?: string;
  /** Names of plugins that must be registered before this one: GF_PLUGIN_DEPENDENCY_MISSING otherwise. */
  dependencies?: readonly string[];
  /** JSON Schema for options given to the plugin in the manifest's `plugins` entry. */
  schema?: JsonSchema;
  register(api: PluginApi, options: Record<string, unknown>): void | Promise<void>;
  /** Marker so loaders can tell a plugin from an arbitrary export. */
  readonly [PLUGIN_MARK]: true;
}

export const PLUGIN_MARK: unique symbol = Symbol.for('graphflow.plugin');

/** Declare a plugin. Export it as the module's default export (or as `plugin`). */
export function definePlugin(plugin: Omit<GraphFlowPlugin, typeof PLUGIN_MARK>): GraphFlowPlugin {
  return { ...plugin, [PLUGIN_MARK]: true } as GraphFlowPlugin;
}

/** Identity helper that keeps a component definition's option type checked. */
export function defineComponent<O, T>(definition: ComponentDefinition<O, T>): ComponentDefinition<O, T> {
  return definition;
}
