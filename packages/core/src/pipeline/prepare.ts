import * as path from 'node:path';
import type { Logger } from 'pino';
import { GraphFlowError, isGraphFlowError, type Problem } from '../errors/graphflow-error';
import { loadManifest, locatePointer, type LoadedManifest } from '../manifest/load';
import type { Override } from '../manifest/overrides';
import type { ResolvedManifest } from '../manifest/types';
import { validateManifest, type FoundReference } from '../manifest/validate';
import { isPlainObject } from '../manifest/merge';
import { Registry } from '../registry/registry';
import { loadPlugin, resolvePluginPath, type PluginReference } from '../registry/plugin-loader';

/** GraphFlow's own plugins, loaded unless a manifest says `"defaultPlugins": false` (each only when installed). */
export const DEFAULT_PLUGINS: readonly string[] = ['@graphflow/backend', '@graphflow/backbones', '@graphflow/losses', '@graphflow/data', '@graphflow/trainers'];

export interface PluginSetup {
  /** Packages loaded by default (default: DEFAULT_PLUGINS). */
  defaultPlugins?: readonly string[];
  /** Folders to resolve package names from besides the manifest's folder and the working directory. */
  searchPaths?: string[];
  /** Extra plugins given on the command line (`--plugin`), resolved against the working directory. */
  extraPlugins?: readonly string[];
  logger?: Logger;
}

export interface PreparedPipeline {
  loaded: LoadedManifest;
  registry: Registry;
  manifest: ResolvedManifest;
  references: FoundReference[];
}

/** Load the default plugins (those installed) and the given extra ones into a fresh registry. */
export async function createRegistry(setup: PluginSetup & { manifestPlugins?: { reference: PluginReference; pointer: string }[]; manifestFile?: string; useDefaults?: boolean }): Promise<Registry> {
  const registry = new Registry(setup.logger);
  const problems: Problem[] = [];
  const searchPaths = setup.searchPaths ?? [];
  const attempt = async (reference: PluginReference, ctx: Parameters<typeof loadPlugin>[2]) => {
    try {
      await loadPlugin(registry, reference, ctx);
    } catch (e) {
      if (!isGraphFlowError(e)) throw e;
      problems.push(...e.problems);
    }
  };
  if (setup.useDefaults !== false) {
    for (const name of setup.defaultPlugins ?? DEFAULT_PLUGINS) {
      try {
        resolvePluginPath(name, { baseDir: process.cwd(), searchPaths });
      } catch {
        setup.logger?.debug({ plugin: name }, 'default plugin not installed; skipped');
        continue;
      }
      await attempt(name, { baseDir: process.cwd(), searchPaths });
    }
  }
  for (const name of setup.extraPlugins ?? []) await attempt(name, { baseDir: process.cwd(), searchPaths });
  for (const { reference, pointer } of setup.manifestPlugins ?? []) {
    const baseDir = setup.manifestFile ? path.dirname(setup.manifestFile) : process.cwd();
    await attempt(reference, { baseDir, searchPaths, pointer, ...(setup.manifestFile ? { file: setup.manifestFile } : {}) });
  }
  if (problems.length > 0) throw GraphFlowError.fromProblems(problems, `${problems.length} plugin${problems.length === 1 ? '' : 's'} could not be loaded`, 'GF_PLUGIN_NOT_FOUND');
  return registry;
}

/** Everything before any work: read the manifest, load its plugins, validate it all. Throws with every problem found. */
export async function preparePipeline(manifestPath: string, overrides: readonly Override[], setup: PluginSetup = {}, preloaded?: LoadedManifest): Promise<PreparedPipeline> {
  const loaded = preloaded ?? (await loadManifest(manifestPath, overrides));
  const rawPlugins = Array.isArray(loaded.value['plugins']) ? (loaded.value['plugins'] as unknown[]) : [];
  const manifestPlugins = rawPlugins.flatMap((entry, i) =>
    typeof entry === 'string' || (isPlainObject(entry) && typeof entry['name'] === 'string') ? [{ reference: entry as PluginReference, pointer: `/plugins/${i}` }] : [],
  );
  let registry: Registry;
  try {
    registry = await createRegistry({ ...setup, manifestPlugins, manifestFile: loaded.file, useDefaults: loaded.value['defaultPlugins'] !== false });
  } catch (e) {
    if (!isGraphFlowError(e)) throw e;
    // Point plugin problems at the line that names the plugin.
    const problems = e.problems.map((p) => (p.pointer !== undefined && p.file === loaded.file ? { ...p, ...locatePointer(loaded, p.pointer) } : p));
    throw GraphFlowError.fromProblems(problems, `${problems.length} plugin${problems.length === 1 ? '' : 's'} could not be loaded`, e.code);
  }
  const { manifest, references } = validateManifest(loaded, registry);
  return { loaded, registry, manifest, references };
}
