import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GraphFlowError } from '../errors/graphflow-error';
import { PLUGIN_MARK, type GraphFlowPlugin } from '../plugin/types';
import type { Registry, LoadedPluginInfo } from './registry';

/** A plugin reference as written in a manifest's `plugins` list. */
export type PluginReference = string | { name: string; options?: Record<string, unknown> };

export interface PluginLoadContext {
  /** Folder relative paths are resolved against (the manifest's folder). */
  baseDir: string;
  /** The manifest file, for error locations. */
  file?: string;
  /** JSON pointer of the reference in the manifest. */
  pointer?: string;
  /** Extra folders to resolve package names from (e.g. the CLI's own node_modules). */
  searchPaths?: string[];
}

function isPlugin(value: unknown): value is GraphFlowPlugin {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_MARK] === true && typeof (value as GraphFlowPlugin).register === 'function';
}

/**
 * A plain `{ name, register }` object also counts, so a plugin in a folder with no dependencies of its own
 * (no @graphflow/core to import definePlugin from) still loads.
 */
function isPlainPlugin(value: unknown): value is Omit<GraphFlowPlugin, typeof PLUGIN_MARK> {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string' && typeof (value as { register?: unknown }).register === 'function';
}

/** Find the plugin object in a module namespace, whether it was written as ESM, CommonJS or TS-compiled CommonJS. */
function extractPlugin(ns: unknown): GraphFlowPlugin | undefined {
  const candidates: unknown[] = [];
  const push = (v: unknown) => {
    if (v !== undefined && v !== null) candidates.push(v);
  };
  const record = ns as Record<string, unknown> | undefined;
  push(record?.['default']);
  push((record?.['default'] as Record<string, unknown> | undefined)?.['default']);
  push(record?.['plugin']);
  push((record?.['default'] as Record<string, unknown> | undefined)?.['plugin']);
  push(ns);
  const marked = candidates.find(isPlugin);
  if (marked) return marked;
  const plain = candidates.find(isPlainPlugin);
  return plain ? ({ ...plain, [PLUGIN_MARK]: true } as GraphFlowPlugin) : undefined;
}

export function resolvePluginPath(name: string, ctx: PluginLoadContext): string {
  const isPath = name.startsWith('.') || path.isAbsolute(name);
  const location = { ...(ctx.file ? { file: ctx.file } : {}), ...(ctx.pointer !== undefined ? { pointer: ctx.pointer } : {}) };
  try {
    if (isPath) return require.resolve(path.resolve(ctx.baseDir, name));
    return require.resolve(name, { paths: [ctx.baseDir, process.cwd(), ...(ctx.searchPaths ?? [])] });
  } catch (e) {
    const hint = isPath
      ? `no plugin module at ${path.resolve(ctx.baseDir, name)} (a folder needs a package.json "main" or an index.js)`
      : `package "${name}" is not installed (npm install ${name})`;
    throw new GraphFlowError('GF_PLUGIN_NOT_FOUND', `cannot load plugin "${name}": ${hint}`, { ...location, cause: e });
  }
}

/** Import a plugin module and register it. */
export async function loadPlugin(registry: Registry, reference: PluginReference, ctx: PluginLoadContext): Promise<LoadedPluginInfo> {
  const name = typeof reference === 'string' ? reference : reference.name;
  const options = typeof reference === 'string' ? {} : (reference.options ?? {});
  const file = resolvePluginPath(name, ctx);
  const location = { ...(ctx.file ? { file: ctx.file } : {}), ...(ctx.pointer !== undefined ? { pointer: ctx.pointer } : {}) };
  let ns: unknown;
  try {
    ns = await import(pathToFileURL(file).href);
  } catch (e) {
    throw new GraphFlowError('GF_PLUGIN_REGISTER_FAILED', `plugin "${name}" failed to load (${file}): ${(e as Error).message}`, { ...location, cause: e });
  }
  const plugin = extractPlugin(ns);
  if (!plugin) {
    throw new GraphFlowError('GF_PLUGIN_INVALID', `module ${file} does not export a plugin made with definePlugin() (as its default export or as "plugin")`, location);
  }
  if (plugin.schema) {
    const validate = registry.ajv.compile({ type: 'object', ...plugin.schema });
    if (!validate(options)) {
      const problems = (validate.errors ?? []).map((err) => ({
        code: 'GF_MANIFEST_INVALID' as const,
        message: `plugin "${plugin.name}" options: ${err.message ?? 'invalid'}`,
        ...(ctx.file ? { file: ctx.file } : {}),
        pointer: `${ctx.pointer ?? ''}/options${err.instancePath}`,
      }));
      throw new GraphFlowError('GF_MANIFEST_INVALID', `invalid options for plugin "${plugin.name}"`, { problems });
    }
  }
  try {
    return await registry.use(plugin, options, file);
  } catch (e) {
    if (e instanceof GraphFlowError && e.problems.every((p) => p.file === undefined)) {
      throw GraphFlowError.fromProblems(e.problems.map((p) => ({ ...p, ...location })), e.message, e.code);
    }
    throw e;
  }
}
