import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError, assignWeights, checkJsonDigest, readWeights, withJsonDigest, writeDirAtomic, writeFileSynced, writeWeights, type WarningSink } from '@graphflow/core';
import type { TrainablePart } from '../training/trainable-part';

/** Index of a weights-only snapshot (a stage's `final/` or `best/`). */
export interface SnapshotInfo {
  format: 'graphflow-snapshot/1';
  parts: Record<string, string>;
  step: number;
  epoch: number;
  /** For `best/`: the monitored metric and its value. */
  metric?: { name: string; value: number };
}

/**
 * Writes the parts' weights to `dir` atomically (a reader never sees half a snapshot). Non-finite values refuse the
 * write (GF_WEIGHTS_NOT_FINITE, see writeWeights) and leave an existing snapshot as it was.
 */
export async function saveSnapshot(dir: string, parts: readonly TrainablePart[], info: Omit<SnapshotInfo, 'format' | 'parts'>): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    await writeWeights(tmp, parts.flatMap((p) => p.weights().map((w) => ({ name: `${p.name}/${w.name}`, variable: w.variable }))));
    const index: SnapshotInfo = { format: 'graphflow-snapshot/1', parts: Object.fromEntries(parts.map((p) => [p.name, p.architecture])), ...info };
    await writeFileSynced(path.join(tmp, 'snapshot.json'), `${JSON.stringify(withJsonDigest(index), null, 2)}\n`);
  });
}

/**
 * Loads `parts` from a snapshot or checkpoint folder, or from a stage folder (its `final/`). Only the named parts
 * are read, so a student can start from the `model` of a bigger checkpoint. Every file is verified first (see
 * readWeights): a damaged one is GF_CHECKPOINT_CORRUPT and leaves the parts untouched.
 */
export async function loadSnapshot(location: string, parts: readonly TrainablePart[], options: { logger?: WarningSink } = {}): Promise<string> {
  const dir = await resolveWeightsDir(location);
  const recorded = await readRecordedParts(dir, options.logger);
  for (const part of parts) {
    const arch = recorded[part.name];
    if (arch === undefined) {
      throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${dir} has no "${part.name}" weights (it holds ${Object.keys(recorded).join(', ') || 'nothing'})`, { file: dir });
    }
    if (arch !== part.architecture) {
      throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${dir} holds a ${arch} as "${part.name}", not a ${part.architecture}`, { file: dir });
    }
  }
  const loaded = await readWeights(dir, options);
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
    let pointer: { checkpoint?: unknown };
    try {
      pointer = JSON.parse(await fs.readFile(latest, 'utf8')) as { checkpoint?: unknown };
    } catch (e) {
      throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged ${latest}: ${(e as Error).message}`, { file: latest, cause: e });
    }
    if (typeof pointer?.checkpoint !== 'string' || !/^ckpt-\d+$/.test(pointer.checkpoint)) {
      throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged ${latest}: it does not name a checkpoint`, { file: latest, pointer: '/checkpoint' });
    }
    return path.join(abs, 'checkpoints', pointer.checkpoint);
  }
  throw new GraphFlowError('GF_CHECKPOINT_INVALID', `no weights at ${abs}: expected a stage folder (with final/), a snapshot or a checkpoint folder`, { file: abs });
}

/** The part → architecture map of a snapshot.json or a checkpoint's state.json, checked (GF_CHECKPOINT_CORRUPT). */
async function readRecordedParts(dir: string, logger?: WarningSink): Promise<Record<string, string>> {
  for (const name of ['snapshot.json', 'state.json']) {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `cannot read ${file}: ${(e as Error).message}`, { file, cause: e });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged ${file}: not valid JSON (${(e as Error).message})`, { file, cause: e });
    }
    const digest = checkJsonDigest(json);
    if (digest === 'mismatch') throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged ${file}: its content does not match its recorded digest`, { file, pointer: '/digest' });
    const parts = (json as { parts?: unknown }).parts;
    if (parts === null || typeof parts !== 'object' || Array.isArray(parts) || !Object.values(parts).every((v) => typeof v === 'string')) {
      throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged ${file}: "parts" must map part names to architectures`, { file, pointer: '/parts' });
    }
    if (digest === 'absent') logger?.warn({ file }, `${file} has no recorded digest (written by an older GraphFlow)`);
    return parts as Record<string, string>;
  }
  throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${dir} has weights but no snapshot.json/state.json describing them (not a snapshot or checkpoint folder)`, { file: dir });
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
