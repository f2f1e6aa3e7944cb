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
import { checkPluginConsent, type ManifestPluginEntry, type PluginConsent } from '../registry/plugin-consent';
import type { SourceFile } from '../manifest/source-file';

/** GraphFlow's own plugins, loaded unless a manifest says `"defaultPlugins": false` (each only when installed). */
export const DEFAULT_PLUGINS: readonly string[] = ['@graphflow/backend', '@graphflow/backbones', '@graphflow/losses', '@graphflow/data', '@graphflow/trainers'];

export interface PluginSetup {
  /** Packages loaded by default (default: DEFAULT_PLUGINS). */
  defaultPlugins?: readonly string[];
  /** Folders to resolve package names from besides the manifest's folder and the working directory. */
  searchPaths?: string[];
  /** Extra plugins given on the command line (`--plugin`), resolved against the working directory. */
  extraPlugins?: readonly string[];
  /**
   * Which plugins a manifest names may be loaded (they run code). Default: only those the user's project lists
   * (package.json dependencies, workspaces, `graphflow.allowPlugins`), `extraPlugins` and GraphFlow's own; any other
   * is refused with GF_PLUGIN_NOT_ALLOWED before anything is imported. See docs/concepts.md, "Trust model".
   */
  consent?: PluginConsent;
  logger?: Logger;
}

export interface PreparedPipeline {
  loaded: LoadedManifest;
  registry: Registry;
  manifest: ResolvedManifest;
  references: FoundReference[];
}

/**
 * Load the default plugins (those installed), the given extra ones and those a manifest names into a fresh registry.
 * The manifest's plugins pass the consent check first: when any is refused, nothing at all is imported.
 */
export async function createRegistry(setup: PluginSetup & { manifestPlugins?: readonly ManifestPluginEntry[]; manifestFile?: string; useDefaults?: boolean }): Promise<Registry> {
  const manifestPlugins = setup.manifestPlugins ?? [];
  const manifestDir = setup.manifestFile ? path.dirname(setup.manifestFile) : process.cwd();
  const searchPaths = setup.searchPaths ?? [];
  const refused = checkPluginConsent(
    manifestPlugins.map((entry) => ({ ...entry, ...(entry.file === undefined && setup.manifestFile ? { file: setup.manifestFile } : {}) })),
    {
      ...(setup.consent ? { consent: setup.consent } : {}),
      ...(setup.extraPlugins ? { extraPlugins: setup.extraPlugins } : {}),
      defaultPlugins: [...DEFAULT_PLUGINS, ...(setup.defaultPlugins ?? [])],
      searchPaths,
      baseDir: manifestDir,
    },
  );
  if (refused.length > 0) {
    throw GraphFlowError.fromProblems(refused, `${refused.length} plugin${refused.length === 1 ? '' : 's'} named by the manifest not allowed to run`, 'GF_PLUGIN_NOT_ALLOWED');
  }
  const registry = new Registry(setup.logger);
  const problems: Problem[] = [];
  const attempt = async (reference: PluginReference, ctx: Parameters<typeof loadPlugin>[2], at?: { line?: number; column?: number }) => {
    try {
      await loadPlugin(registry, reference, ctx);
    } catch (e) {
      if (!isGraphFlowError(e)) throw e;
      // A problem with the entry itself gets the entry's line and column.
      problems.push(...e.problems.map((p) => (at && p.line === undefined && p.file === ctx.file && p.pointer === ctx.pointer ? { ...p, ...at } : p)));
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
  for (const { reference, pointer, file, line, column } of manifestPlugins) {
    const where = file ?? setup.manifestFile;
    await attempt(reference, { baseDir: manifestDir, searchPaths, pointer, ...(where ? { file: where } : {}) }, { ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) });
  }
  if (problems.length > 0) throw GraphFlowError.fromProblems(problems, `${problems.length} plugin${problems.length === 1 ? '' : 's'} could not be loaded`, 'GF_PLUGIN_NOT_FOUND');
  return registry;
}

/** The plugin name an entry of a `plugins` list gives, relative paths made absolute against `dir`. */
function entryName(entry: unknown, dir: string): string | undefined {
  const name = typeof entry === 'string' ? entry : isPlainObject(entry) && typeof entry['name'] === 'string' ? entry['name'] : undefined;
  return name !== undefined && name.startsWith('.') ? path.resolve(dir, name) : name;
}

/**
 * The plugins a loaded manifest names, each located in the file that writes it: the user's manifest, or for an
 * inherited plugin the base manifest (through `extends`) that lists it.
 */
export function manifestPluginEntries(loaded: Pick<LoadedManifest, 'value' | 'file' | 'sources'>): ManifestPluginEntry[] {
  const raw = Array.isArray(loaded.value['plugins']) ? (loaded.value['plugins'] as unknown[]) : [];
  if (raw.length === 0) return [];
  const written = whereWritten(loaded.sources);
  return raw.flatMap((entry, i) => {
    const name = entryName(entry, path.dirname(loaded.file));
    if (name === undefined) return [];
    const at = written.get(name) ?? { file: loaded.file, pointer: `/plugins/${i}`, ...(loaded.sources[0]?.locate(`/plugins/${i}`) ?? {}) };
    return [{ reference: entry as PluginReference, ...at }];
  });
}

/** Plugin name → the first file (user's first, then bases) whose own `plugins` list names it; one pass, so linear. */
function whereWritten(sources: readonly SourceFile[]): Map<string, { file: string; pointer: string; line?: number; column?: number }> {
  const out = new Map<string, { file: string; pointer: string; line?: number; column?: number }>();
  for (const source of sources) {
    const own = isPlainObject(source.value) ? source.value['plugins'] : undefined;
    if (!Array.isArray(own)) continue;
    own.forEach((e, j) => {
      const name = entryName(e, path.dirname(source.file));
      if (name === undefined || out.has(name)) return;
      const pointer = `/plugins/${j}`;
      out.set(name, { file: source.file, pointer, ...(source.locate(pointer) ?? {}) });
    });
  }
  return out;
}

/** Everything before any work: read the manifest, load its plugins, validate it all. Throws with every problem found. */
export async function preparePipeline(manifestPath: string, overrides: readonly Override[], setup: PluginSetup = {}, preloaded?: LoadedManifest): Promise<PreparedPipeline> {
  const loaded = preloaded ?? (await loadManifest(manifestPath, overrides));
  const manifestPlugins = manifestPluginEntries(loaded);
  let registry: Registry;
  try {
    registry = await createRegistry({ ...setup, manifestPlugins, manifestFile: loaded.file, useDefaults: loaded.value['defaultPlugins'] !== false });
  } catch (e) {
    if (!isGraphFlowError(e)) throw e;
    // Point plugin problems (e.g. an entry's invalid options) at their line in the file that names the plugin.
    const problems = e.problems.map((p) => {
      if (p.pointer === undefined || p.line !== undefined) return p;
      const source = loaded.sources.find((s) => s.file === p.file);
      if (source) return { ...p, ...(source.locate(p.pointer) ?? {}) };
      return p.file === loaded.file ? { ...p, ...locatePointer(loaded, p.pointer) } : p;
    });
    const what = e.code === 'GF_PLUGIN_NOT_ALLOWED' ? 'named by the manifest not allowed to run' : 'could not be loaded';
    throw GraphFlowError.fromProblems(problems, `${problems.length} plugin${problems.length === 1 ? '' : 's'} ${what}`, e.code);
  }
  const { manifest, references } = validateManifest(loaded, registry);
  return { loaded, registry, manifest, references };
}
