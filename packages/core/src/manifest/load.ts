import * as path from 'node:path';
import { GraphFlowError } from '../errors/graphflow-error';
import { readJsonSource, type SourceFile } from './source-file';
import { mergeManifests, isPlainObject } from './merge';
import { applyOverrides, type Override } from './overrides';

export interface LoadedManifest {
  /** The manifest after `extends` and overrides, before validation. */
  value: Record<string, unknown>;
  /** The file given by the user. */
  file: string;
  /** Files that contributed, the user's first, then its bases (depth-first). */
  sources: SourceFile[];
  overrides: readonly Override[];
}

/**
 * Read a manifest, follow `extends` (relative to each file, cycles rejected), merge, then apply overrides.
 * Pure data: nothing in a manifest is executed.
 */
export async function loadManifest(file: string, overrides: readonly Override[] = []): Promise<LoadedManifest> {
  const sources: SourceFile[] = [];
  const value = await loadWithBases(path.resolve(file), [], sources, undefined);
  if (!isPlainObject(value)) {
    throw new GraphFlowError('GF_MANIFEST_INVALID', 'a manifest must be a JSON object', { file: path.resolve(file), pointer: '' });
  }
  delete value['extends'];
  applyOverrides(value, overrides);
  return { value, file: path.resolve(file), sources, overrides };
}

async function loadWithBases(
  file: string,
  chain: string[],
  sources: SourceFile[],
  referencedFrom: { file: string; pointer: string } | undefined,
): Promise<unknown> {
  if (chain.includes(file)) {
    const cycle = [...chain.slice(chain.indexOf(file)), file].map((f) => path.relative(process.cwd(), f) || f);
    throw new GraphFlowError('GF_MANIFEST_EXTENDS_CYCLE', `"extends" forms a cycle: ${cycle.join(' → ')}`, {
      ...(referencedFrom ?? { file }),
    });
  }
  const source = await readJsonSource(file, referencedFrom);
  sources.push(source);
  const own = source.value;
  if (!isPlainObject(own)) {
    throw new GraphFlowError('GF_MANIFEST_INVALID', 'a manifest must be a JSON object', { file, pointer: '', line: 1, column: 1 });
  }
  absolutizePluginPaths(own, path.dirname(file));
  const ext = own['extends'];
  if (ext === undefined) return own;
  const bases = typeof ext === 'string' ? [ext] : Array.isArray(ext) ? ext : null;
  if (!bases || bases.some((b) => typeof b !== 'string' || b === '')) {
    throw new GraphFlowError('GF_MANIFEST_INVALID', '"extends" must be a file path or a list of file paths', {
      file,
      pointer: '/extends',
      ...(source.locate('/extends') ?? {}),
    });
  }
  let merged: unknown = {};
  for (let i = 0; i < bases.length; i++) {
    const basePath = path.resolve(path.dirname(file), bases[i] as string);
    const pointer = typeof ext === 'string' ? '/extends' : `/extends/${i}`;
    const base = await loadWithBases(basePath, [...chain, file], sources, { file, pointer });
    if (isPlainObject(base)) delete base['extends'];
    merged = mergeManifests(merged, base);
  }
  const { extends: _ignored, ...rest } = own;
  return mergeManifests(merged, rest);
}

/** Where a pointer of the merged manifest was written: the first contributing file that has it. */
export function locatePointer(loaded: Pick<LoadedManifest, 'sources' | 'file'>, pointer: string): { file: string; line?: number; column?: number } {
  for (const source of loaded.sources) {
    if (source.has(pointer)) return { file: source.file, ...(source.locate(pointer) ?? {}) };
  }
  // Not literally present anywhere (a missing key, or renumbered by a merge): report its nearest ancestor in the user's file.
  const top = loaded.sources[0];
  return { file: loaded.file, ...(top?.locate(pointer) ?? {}) };
}

/** Relative plugin paths are relative to the file that names them, which a merge would otherwise forget. */
function absolutizePluginPaths(manifest: Record<string, unknown>, dir: string): void {
  const plugins = manifest['plugins'];
  if (!Array.isArray(plugins)) return;
  manifest['plugins'] = plugins.map((entry) => {
    if (typeof entry === 'string' && entry.startsWith('.')) return path.resolve(dir, entry);
    if (isPlainObject(entry) && typeof entry['name'] === 'string' && entry['name'].startsWith('.')) return { ...entry, name: path.resolve(dir, entry['name']) };
    return entry;
  });
}
