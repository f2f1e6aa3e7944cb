import * as path from 'node:path';
import { generateFiles, joinPathFragments, names, offsetFromRoot, readJson, type Tree } from '@nx/devkit';
import type { PluginGeneratorSchema } from './schema';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * `nx g @graphflow/plugin-generator:plugin <name>` writes `<directory>/<name>/`: a package registering `loss/<name>`
 * through the public plugin API (options schema, docs, rules), a passing test suite and a README on publishing.
 */
export async function pluginGenerator(tree: Tree, options: PluginGeneratorSchema): Promise<void> {
  if (!NAME.test(options.name)) throw new Error(`plugin name "${options.name}" must be kebab-case, e.g. "focal-tversky"`);
  const root = joinPathFragments(options.directory ?? 'plugins', options.name);
  if (tree.exists(joinPathFragments(root, 'package.json'))) throw new Error(`${root} already holds a package`);
  const core = readJson<{ version: string }>(tree, 'packages/core/package.json');
  const tfjsVersion = readJson<{ dependencies: Record<string, string> }>(tree, 'packages/core/package.json').dependencies['@tensorflow/tfjs'];
  const n = names(options.name);
  generateFiles(tree, path.join(__dirname, '..', '..', '..', 'src', 'plugin', 'files'), root, {
    ...n,
    name: options.name,
    packageName: options.packageName ?? `graphflow-plugin-${options.name}`,
    coreVersion: core.version,
    tfjsVersion,
    offset: offsetFromRoot(root),
    tmpl: '',
  });
}

export default pluginGenerator;
