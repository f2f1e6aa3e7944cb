import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError, writeDirAtomic } from '@graphflow/core';
import type { TrainablePart } from '../training/trainable-part';
import { writeFileSynced } from './synced-write';
import { assignWeights, readWeights, writeWeights } from './weight-file';

/** Index of a weights-only snapshot (a stage's `final/` or `best/`). */
export interface SnapshotInfo {
  format: 'graphflow-snapshot/1';
  parts: Record<string, string>;
  step: number;
  epoch: number;
  /** For `best/`: the monitored metric and its value. */
  metric?: { name: string; value: number };
}

/** Writes the parts' weights to `dir` atomically (a reader never sees half a snapshot). */
export async function saveSnapshot(dir: string, parts: readonly TrainablePart[], info: Omit<SnapshotInfo, 'format' | 'parts'>): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    await writeWeights(tmp, parts.flatMap((p) => p.weights().map((w) => ({ name: `${p.name}/${w.name}`, variable: w.variable }))));
    const index: SnapshotInfo = { format: 'graphflow-snapshot/1', parts: Object.fromEntries(parts.map((p) => [p.name, p.architecture])), ...info };
    await writeFileSynced(path.join(tmp, 'snapshot.json'), `${JSON.stringify(index, null, 2)}\n`);
  });
}

/**
 * Loads `parts` from a snapshot or checkpoint folder, or from a stage folder (its `final/`). Only the named parts
 * are read, so a student can start from the `model` of a bigger checkpoint.
 */
export async function loadSnapshot(location: string, parts: readonly TrainablePart[]): Promise<string> {
  const dir = await resolveWeightsDir(location);
  const recorded = await readRecordedParts(dir);
  for (const part of parts) {
    const arch = recorded[part.name];
    if (arch === undefined) {
      throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${dir} has no "${part.name}" weights (it holds ${Object.keys(recorded).join(', ') || 'nothing'})`, { file: dir });
    }
    if (arch !== part.architecture) {
      throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${dir} holds a ${arch} as "${part.name}", not a ${part.architecture}`, { file: dir });
    }
  }
  const loaded = await readWeights(dir);
  // Check every part before assigning any, so a failure leaves the networks untouched.
  const targets = parts.flatMap((p) => p.weights().map((w) => ({ name: `${p.name}/${w.name}`, variable: w.variable })));
  const subset = new Map([...loaded].filter(([name]) => parts.some((p) => name.startsWith(`${p.name}/`))));
  assignWeights(targets, subset, { dir, what: parts.map((p) => `${p.name} (${p.architecture})`).join(', ') });
  return dir;
}

async function resolveWeightsDir(location: string): Promise<string> {
  const abs = path.resolve(location);
  const candidates = [abs, path.join(abs, 'final')];
  for (const dir of candidates) {
    if (await exists(path.join(dir, 'weights.json'))) return dir;
  }
  const latest = path.join(abs, 'checkpoints', 'latest.json');
  if (await exists(latest)) {
    const pointer = JSON.parse(await fs.readFile(latest, 'utf8')) as { checkpoint: string };
    return path.join(abs, 'checkpoints', pointer.checkpoint);
  }
  throw new GraphFlowError('GF_CHECKPOINT_INVALID', `no weights at ${abs}: expected a stage folder (with final/), a snapshot or a checkpoint folder`, { file: abs });
}

async function readRecordedParts(dir: string): Promise<Record<string, string>> {
  for (const file of ['snapshot.json', 'state.json']) {
    try {
      const json = JSON.parse(await fs.readFile(path.join(dir, file), 'utf8')) as { parts?: Record<string, string> };
      if (json.parts) return json.parts;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new GraphFlowError('GF_CHECKPOINT_INVALID', `cannot read ${path.join(dir, file)}: ${(e as Error).message}`, { file: path.join(dir, file), cause: e });
    }
  }
  throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${dir} has weights but no snapshot.json/state.json describing them`, { file: dir });
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
