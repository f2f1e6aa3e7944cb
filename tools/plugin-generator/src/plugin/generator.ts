import * as path from 'node:path';
import { generateFiles, joinPathFragments, names, offsetFromRoot, readJson, type Tree } from '@nx/devkit';
import type { PluginGeneratorSchema, PluginKind } from './schema';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const KINDS: readonly PluginKind[] = ['loss', 'backbone', 'dataset', 'stage'];

/** One line for package.json, per kind. */
const DESCRIPTIONS: Record<PluginKind, (name: string) => string> = {
  loss: (name) => `GraphFlow plugin: the loss/${name} distillation loss.`,
  backbone: (name) => `GraphFlow plugin: the backbone/${name} segmentation network.`,
  dataset: (name) => `GraphFlow plugin: the dataset/${name} dataset layout.`,
  stage: (name) => `GraphFlow plugin: the stage/${name} pipeline stage.`,
};

/**
 * `nx g @graphflow/plugin-generator:plugin <name> --kind <kind>` writes `<directory>/<name>/`: a package registering
 * `<kind>/<name>` through the public plugin API (options schema, docs), a test that runs the kind's conformance suite
 * from `@graphflow/core/testing` plus the component's own checks, and a README on using and publishing it.
 */
export async function pluginGenerator(tree: Tree, options: PluginGeneratorSchema): Promise<void> {
  if (!NAME.test(options.name)) throw new Error(`plugin name "${options.name}" must be kebab-case, e.g. "focal-tversky"`);
  const kind = options.kind ?? 'loss';
  if (!KINDS.includes(kind)) throw new Error(`kind "${kind}" is not one of ${KINDS.join(', ')}`);
  const root = joinPathFragments(options.directory ?? 'plugins', options.name);
  if (tree.exists(joinPathFragments(root, 'package.json'))) throw new Error(`${root} already holds a package`);
  const core = readJson<{ version: string; dependencies: Record<string, string> }>(tree, 'packages/core/package.json');
  const substitutions = {
    ...names(options.name),
    name: options.name,
    kind,
    packageName: options.packageName ?? `graphflow-plugin-${options.name}`,
    description: DESCRIPTIONS[kind](options.name),
    coreVersion: core.version,
    tfjsVersion: core.dependencies['@tensorflow/tfjs'],
    offset: offsetFromRoot(root),
    tmpl: '',
  };
  // Templates ship as sources (tsc does not copy them), so they are read from src/ beside this file's dist/.
  const templates = path.join(__dirname, '..', '..', '..', 'src', 'plugin', 'templates');
  generateFiles(tree, path.join(templates, 'common'), root, substitutions);
  generateFiles(tree, path.join(templates, kind), root, substitutions);
}

export default pluginGenerator;
