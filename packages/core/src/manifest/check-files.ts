import { GraphFlowError, type Problem } from '../errors/graphflow-error';
import type { Registry } from '../registry/registry';
import { joinPointer } from './json-pointer';
import { locatePointer, type LoadedManifest } from './load';
import type { ResolvedManifest } from './types';

/**
 * Run the `checkFiles` of every top-level entry (data, models, stages) of a validated manifest: the file-system checks
 * that need no decoding, e.g. that a dataset's root exists and holds pairs. Throws one GF_DATA_INVALID listing every
 * problem, each located at the manifest line that names the file (the folder itself is in the message).
 */
export async function checkManifestFiles(manifest: ResolvedManifest, loaded: Pick<LoadedManifest, 'sources' | 'file'>, registry: Registry): Promise<void> {
  const entries: { pointer: string; type: string; options: Record<string, unknown> }[] = [];
  if (manifest.data) entries.push({ pointer: '/data', type: manifest.data.type, options: manifest.data.options });
  for (const [name, spec] of Object.entries(manifest.models)) entries.push({ pointer: joinPointer('/models', name), type: spec.type, options: spec.options });
  manifest.stages.forEach((spec, i) => entries.push({ pointer: `/stages/${i}`, type: spec.type, options: spec.options }));

  const problems: Problem[] = [];
  for (const entry of entries) {
    const check = registry.get(entry.type)?.definition.checkFiles;
    if (!check) continue;
    let found;
    try {
      found = await check(entry.options);
    } catch (e) {
      found = [{ pointer: '', message: `${entry.type}: file check failed: ${(e as Error).message}` }];
    }
    for (const p of found) {
      const pointer = `${entry.pointer}/options${p.pointer}`;
      problems.push({
        code: 'GF_DATA_INVALID',
        pointer,
        message: `${entry.type}: ${p.message}${p.file ? ` (${p.file})` : ''}`,
        ...(p.expected ? { expected: p.expected } : {}),
        ...locatePointer(loaded, pointer),
      });
    }
  }
  if (problems.length > 0) {
    throw GraphFlowError.fromProblems(problems, `${loaded.file}: ${problems.length} data problem${problems.length === 1 ? '' : 's'} found (skip these checks with --no-data)`, 'GF_DATA_INVALID');
  }
}
