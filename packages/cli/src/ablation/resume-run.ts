import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError } from '@graphflow/core';
import { type RunReport } from '@graphflow/core/host';

/** What `ablate --resume` does with one planned run folder. */
export type ResumePlan = { kind: 'new' } | { kind: 'done'; report: RunReport } | { kind: 'unfinished' };

/** JSON pointer of the first place where two JSON values differ, or undefined when they are equal. */
export function firstDifference(a: unknown, b: unknown, pointer = ''): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return pointer || '/';
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of [...keys].sort()) {
    const inner = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

async function readJson(file: string): Promise<unknown> {
  const text = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new GraphFlowError('GF_RESUME_INVALID', `${file} is not valid JSON: ${(e as Error).message}`, { file });
  }
}

/**
 * Decide, before anything trains, whether a planned run folder of an ablation is reused: a finished run is kept only
 * when it ran exactly the manifest this ablation would run now (same variant, seed, base and overrides); an
 * interrupted one is continued; a folder that ran something else is an error, never silently mixed into the table.
 */
export async function planResume(runDir: string, manifest: unknown): Promise<ResumePlan> {
  const exists = await fs.stat(runDir).then(() => true, (e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return false;
    throw e;
  });
  if (!exists) return { kind: 'new' };
  const manifestFile = path.join(runDir, 'manifest.resolved.json');
  const stored = await readJson(manifestFile);
  if (stored === undefined) throw new GraphFlowError('GF_RESUME_INVALID', `${runDir} exists but holds no run (no manifest.resolved.json); remove it or choose another --out`, { file: runDir });
  const difference = firstDifference(JSON.parse(JSON.stringify(manifest)) as unknown, stored);
  if (difference !== undefined) {
    throw new GraphFlowError('GF_RESUME_INVALID', `${runDir} ran a different manifest than this ablation would (first difference at ${difference}); remove the folder or choose another --out`, { file: manifestFile, pointer: difference });
  }
  const report = (await readJson(path.join(runDir, 'report.json'))) as RunReport | undefined;
  if (report?.status === 'done') return { kind: 'done', report };
  return { kind: 'unfinished' };
}
