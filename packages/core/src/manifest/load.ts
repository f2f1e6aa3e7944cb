import * as path from 'node:path';
import { GraphFlowError } from '../errors/graphflow-error';
import { readJsonSource, type SourceFile } from './source-file';
import { clone, getOwn, mergeManifests, isPlainObject } from './merge';
import { applyOverrides, type Override } from './overrides';
import { MANIFEST_LIMITS } from './limits';
import { checkValueLimits } from './value-limits';

export interface LoadedManifest {
  /** The manifest after `extends` and overrides, before validation. */
  value: Record<string, unknown>;
  /** The file given by the user. */
  file: string;
  /** Files that contributed, the user's first, then its bases (depth-first). */
  sources: SourceFile[];
  overrides: readonly Override[];
}

/** What one load has read so far: each file is read, parsed and merged with its bases once. */
interface LoadContext {
  sources: SourceFile[];
  /** A file's own content merged over its bases, by absolute path. Read-only once stored. */
  merged: Map<string, Record<string, unknown>>;
  bytes: number;
  references: number;
}

const n = (value: number) => value.toLocaleString('en-US');

/**
 * Read a manifest, follow `extends` (relative to each file, cycles rejected), merge, then apply overrides.
 * Pure data: nothing in a manifest is executed. Each file is read and parsed once however often it is extended
 * (a diamond or a repeated base costs one merge per reference, not a re-read of its whole chain), and every input
 * is held to MANIFEST_LIMITS (GF_MANIFEST_LIMIT), so any file terminates quickly with a coded error.
 */
export async function loadManifest(file: string, overrides: readonly Override[] = []): Promise<LoadedManifest> {
  const absolute = path.resolve(file);
  const context: LoadContext = { sources: [], merged: new Map(), bytes: 0, references: 0 };
  // The result may be a file's own parsed value (no extends): copy it, overrides must not edit what sources hold.
  const value = clone(await loadWithBases(absolute, [], context, undefined));
  applyOverrides(value, overrides);
  // Merging and overrides can add entries (two bases with 6,000 models each); hold the result to the limits too.
  checkValueLimits(value, { locate: (pointer) => locatePointer({ sources: context.sources, file: absolute }, pointer) });
  return { value, file: absolute, sources: context.sources, overrides };
}

async function loadWithBases(
  file: string,
  chain: string[],
  context: LoadContext,
  referencedFrom: { file: string; pointer: string; line?: number; column?: number } | undefined,
): Promise<Record<string, unknown>> {
  if (chain.includes(file)) {
    const cycle = [...chain.slice(chain.indexOf(file)), file].map((f) => path.relative(process.cwd(), f) || f);
    throw new GraphFlowError('GF_MANIFEST_EXTENDS_CYCLE', `"extends" forms a cycle: ${cycle.join(' → ')}`, {
      ...(referencedFrom ?? { file }),
    });
  }
  const done = context.merged.get(file);
  if (done) return done;
  const limit = (message: string): never => {
    throw new GraphFlowError('GF_MANIFEST_LIMIT', message, { ...(referencedFrom ?? { file }) });
  };
  if (chain.length + 1 > MANIFEST_LIMITS.maxExtendsDepth) {
    limit(`"extends" chain is longer than the limit of ${MANIFEST_LIMITS.maxExtendsDepth} files (${[...chain, file].map((f) => path.basename(f)).join(' → ')})`);
  }
  if (context.sources.length + 1 > MANIFEST_LIMITS.maxFiles) {
    limit(`"extends" reaches more than the limit of ${MANIFEST_LIMITS.maxFiles} files`);
  }
  const source = await readJsonSource(file, referencedFrom);
  context.bytes += source.bytes ?? 0;
  if (context.bytes > MANIFEST_LIMITS.maxTotalBytes) {
    limit(`the files of this load add up to ${n(context.bytes)} bytes, more than the limit of ${n(MANIFEST_LIMITS.maxTotalBytes)}`);
  }
  context.sources.push(source);
  const own = source.value;
  if (!isPlainObject(own)) {
    throw new GraphFlowError('GF_MANIFEST_INVALID', 'a manifest must be a JSON object', { file, pointer: '', line: 1, column: 1 });
  }
  absolutizePluginPaths(own, path.dirname(file));
  const ext = getOwn(own, 'extends');
  let result: Record<string, unknown>;
  if (ext === undefined) {
    result = own;
  } else {
    const bases = typeof ext === 'string' ? [ext] : Array.isArray(ext) ? ext : null;
    if (!bases || bases.length === 0 || bases.some((b) => typeof b !== 'string' || b === '' || b.includes('\0'))) {
      throw new GraphFlowError('GF_MANIFEST_INVALID', '"extends" must be a file path or a non-empty list of file paths', {
        file,
        pointer: '/extends',
        ...(source.locate('/extends') ?? {}),
      });
    }
    context.references += bases.length;
    if (context.references > MANIFEST_LIMITS.maxExtendsReferences) {
      throw new GraphFlowError('GF_MANIFEST_LIMIT', `"extends" names more than the limit of ${n(MANIFEST_LIMITS.maxExtendsReferences)} bases across all files (${n(context.references)} so far)`, {
        file,
        pointer: '/extends',
        ...(source.locate('/extends') ?? {}),
      });
    }
    let merged: unknown = {};
    for (let i = 0; i < bases.length; i++) {
      const basePath = path.resolve(path.dirname(file), bases[i] as string);
      const pointer = typeof ext === 'string' ? '/extends' : `/extends/${i}`;
      const base = await loadWithBases(basePath, [...chain, file], context, { file, pointer, ...(source.locate(pointer) ?? {}) });
      merged = mergeManifests(merged, base);
    }
    const { extends: _ignored, ...rest } = own;
    result = mergeManifests(merged, rest) as Record<string, unknown>;
  }
  context.merged.set(file, result);
  return result;
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
