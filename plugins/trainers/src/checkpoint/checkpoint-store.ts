import type { Optimizer, Param } from '@graphflow/core';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError, assignWeights, checkJsonDigest, isGraphFlowError, readWeights, withJsonDigest, writeDirAtomic, writeFileSynced, writeJsonAtomic, writeWeights, type NamedVariable, type RngState, type WarningSink } from '@graphflow/core';
import type { TrainablePart } from '../training/trainable-part';

export const CHECKPOINT_FORMAT = 'graphflow-checkpoint/1';

/** Where training stands; everything needed besides tensors to continue exactly. */
export interface TrainingPosition {
  /** Completed optimizer updates of the main optimizer (global across epochs). */
  step: number;
  /** Epoch in progress (0-based). */
  epoch: number;
  /** Batches of `epoch` already consumed. */
  stepInEpoch: number;
  rng: RngState;
}

export interface CheckpointState<E = unknown> extends TrainingPosition {
  format: typeof CHECKPOINT_FORMAT;
  stage: string;
  /** Part name → architecture, checked on load. */
  parts: Record<string, string>;
  /** Optimizer name → id and iterations. */
  optimizers: Record<string, { id: string; iterations: number }>;
  /** Stage-specific bookkeeping (loss history, best metric, early-stopping counter). */
  extra: E;
  time: string;
}

export interface LatestPointer {
  checkpoint: string;
  step: number;
  epoch: number;
  time: string;
}

export interface NamedOptimizer {
  name: string;
  optimizer: Optimizer;
  /** The parameters it updates (its slots are created for exactly these). */
  params: () => Param[];
}

/**
 * A stage's checkpoints: `<stageDir>/checkpoints/ckpt-<step>/` folders, each published with one rename after it is
 * complete, and `<stageDir>/checkpoints/latest.json` (also replaced atomically) naming the newest. A process killed at
 * any moment leaves `latest.json` pointing at a complete checkpoint or not existing at all.
 */
export class CheckpointStore {
  readonly root: string;

  constructor(stageDir: string, private readonly keepLast = 2) {
    this.root = path.join(stageDir, 'checkpoints');
  }

  get latestFile(): string {
    return path.join(this.root, 'latest.json');
  }

  async save<E>(input: {
    stage: string;
    position: TrainingPosition;
    parts: readonly TrainablePart[];
    optimizers: readonly NamedOptimizer[];
    extra: E;
    manifest?: unknown;
  }): Promise<string> {
    const name = `ckpt-${String(input.position.step).padStart(8, '0')}`;
    const target = path.join(this.root, name);
    const state: CheckpointState<E> = {
      format: CHECKPOINT_FORMAT,
      stage: input.stage,
      ...input.position,
      parts: Object.fromEntries(input.parts.map((p) => [p.name, p.architecture])),
      optimizers: Object.fromEntries(input.optimizers.map((o) => [o.name, { id: o.optimizer.id, iterations: o.optimizer.state().iterations }])),
      extra: input.extra,
      time: new Date().toISOString(),
    };
    try {
      await writeDirAtomic(target, async (tmp) => {
        await writeWeights(tmp, collectTensors(input.parts, input.optimizers));
        // state.json carries a digest of its own content: a damaged position would silently break exact resume.
        await writeFileSynced(path.join(tmp, 'state.json'), `${JSON.stringify(withJsonDigest(state))}\n`);
        if (input.manifest !== undefined) await writeFileSynced(path.join(tmp, 'manifest.json'), `${JSON.stringify(input.manifest, null, 2)}\n`);
      });
      const pointer: LatestPointer = { checkpoint: name, step: state.step, epoch: state.epoch, time: state.time };
      await writeJsonAtomic(this.latestFile, pointer);
    } catch (e) {
      if (e instanceof GraphFlowError) throw e;
      throw new GraphFlowError(
        'GF_RUN_DIR_UNWRITABLE',
        `cannot write checkpoint ${target}: ${(e as Error).message}; ${this.latestFile} still names the previous complete checkpoint (if any)`,
        { file: target, cause: e },
      );
    }
    await this.prune(name);
    return target;
  }

  /**
   * Fails fast (before any training) when checkpoints cannot be written, e.g. a read-only or invalid folder, and
   * removes temp folders a killed process left half-written (they were never named by latest.json).
   */
  async ensureWritable(): Promise<void> {
    const probe = path.join(this.root, `.write-probe-${process.pid}`);
    try {
      await fs.mkdir(this.root, { recursive: true });
      await fs.writeFile(probe, '');
      await fs.rm(probe);
      for (const name of await fs.readdir(this.root)) {
        if (name.startsWith('.') && (name.endsWith('.tmp') || name.endsWith('.tmp.old'))) await fs.rm(path.join(this.root, name), { recursive: true, force: true });
      }
    } catch (e) {
      throw new GraphFlowError('GF_RUN_DIR_UNWRITABLE', `cannot write checkpoints into ${this.root}: ${(e as Error).message}`, { file: this.root, cause: e });
    }
  }

  /** The newest complete checkpoint folder, or undefined when none was written yet. */
  async latest(): Promise<string | undefined> {
    let pointer: LatestPointer;
    try {
      pointer = JSON.parse(await fs.readFile(this.latestFile, 'utf8')) as LatestPointer;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `cannot read ${this.latestFile}: ${(e as Error).message}`, { file: this.latestFile, cause: e });
    }
    if (typeof pointer?.checkpoint !== 'string' || !/^ckpt-\d+$/.test(pointer.checkpoint)) {
      throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${this.latestFile} does not name a checkpoint`, { file: this.latestFile, pointer: '/checkpoint' });
    }
    const dir = path.join(this.root, pointer.checkpoint);
    try {
      await fs.access(path.join(dir, 'state.json'));
    } catch {
      throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${this.latestFile} names ${pointer.checkpoint}, which does not exist`, { file: this.latestFile, pointer: '/checkpoint' });
    }
    return dir;
  }

  /**
   * Load the newest intact checkpoint into `parts` and `optimizers` for a resume. A damaged one (missing or truncated
   * files, a digest mismatch, NaN values, a latest.json naming nothing) is skipped with a warning on `logger` naming it
   * and why, and the previous one is tried (keepCheckpoints ≥ 2 keeps one). Undefined when no checkpoint was ever
   * written; GF_CHECKPOINT_CORRUPT when some were but none is intact. Other errors (a different architecture:
   * GF_CHECKPOINT_INVALID) are not skipped: an older checkpoint of the same stage would not fit either.
   */
  async restoreNewest<E>(parts: readonly TrainablePart[], optimizers: readonly NamedOptimizer[], logger?: WarningSink): Promise<{ dir: string; state: CheckpointState<E> } | undefined> {
    const skipped: { checkpoint: string; reason: string }[] = [];
    let named: string | undefined;
    try {
      const dir = await this.latest();
      if (dir === undefined) return undefined;
      named = path.basename(dir);
    } catch (e) {
      if (!isGraphFlowError(e)) throw e;
      skipped.push({ checkpoint: 'latest.json', reason: e.problems[0]?.message ?? e.message });
    }
    const folders = (await fs.readdir(this.root).catch(() => [] as string[])).filter((n) => /^ckpt-\d+$/.test(n)).sort().reverse();
    // The one latest.json names first, then older ones (newer unnamed folders are from a save that never finished).
    const candidates = named ? [named, ...folders.filter((n) => n < named!)] : folders;
    for (const name of candidates) {
      const dir = path.join(this.root, name);
      try {
        const state = await CheckpointStore.load<E>(dir, parts, optimizers, logger);
        if (skipped.length > 0) {
          logger?.warn({ checkpoint: dir, skipped }, `resuming from ${name}: newer checkpoint(s) are damaged and were skipped (${skipped.map((s) => `${s.checkpoint}: ${s.reason}`).join('; ')})`);
        }
        return { dir, state };
      } catch (e) {
        if (!isGraphFlowError(e) || e.code !== 'GF_CHECKPOINT_CORRUPT') throw e;
        const reason = e.problems[0]?.message ?? e.message;
        skipped.push({ checkpoint: name, reason });
        logger?.warn({ checkpoint: dir, reason }, `checkpoint ${name} is damaged (${reason}); trying an older one`);
      }
    }
    if (skipped.length === 0) return undefined;
    throw new GraphFlowError(
      'GF_CHECKPOINT_CORRUPT',
      `no intact checkpoint to resume from in ${this.root}: ${skipped.map((s) => `${s.checkpoint}: ${s.reason}`).join('; ')}`,
      { file: this.root },
    );
  }

  /**
   * Load a checkpoint into `parts` and `optimizers` (all checks before any assignment) and return its state. A
   * damaged folder (unreadable or malformed state.json, digest mismatch, damaged weights) is GF_CHECKPOINT_CORRUPT; a
   * checkpoint of another architecture or optimizer is GF_CHECKPOINT_INVALID.
   */
  static async load<E>(dir: string, parts: readonly TrainablePart[], optimizers: readonly NamedOptimizer[], logger?: WarningSink): Promise<CheckpointState<E>> {
    const stateFile = path.join(dir, 'state.json');
    const state = await readState<E>(stateFile, logger);
    if (state.format !== CHECKPOINT_FORMAT) {
      throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${stateFile} is not a GraphFlow checkpoint`, { file: stateFile, pointer: '/format' });
    }
    for (const part of parts) {
      const saved = state.parts[part.name];
      if (saved !== part.architecture) {
        throw new GraphFlowError(
          'GF_CHECKPOINT_INVALID',
          saved === undefined ? `checkpoint has no weights for "${part.name}"` : `checkpoint's "${part.name}" is a ${saved}, but this stage trains a ${part.architecture}`,
          { file: stateFile, pointer: `/parts/${part.name}` },
        );
      }
    }
    for (const o of optimizers) {
      const saved = state.optimizers[o.name];
      if (!saved || saved.id !== o.optimizer.id) {
        throw new GraphFlowError('GF_CHECKPOINT_INVALID', `checkpoint's optimizer "${o.name}" is ${saved?.id ?? 'missing'}, this stage uses ${o.optimizer.id}`, { file: stateFile, pointer: `/optimizers/${o.name}` });
      }
    }
    const loaded = await readWeights(dir, logger ? { logger } : {});
    for (const o of optimizers) o.optimizer.prepare(o.params());
    assignWeights(collectTensors(parts, optimizers), loaded, { dir, what: `stage ${state.stage}` });
    for (const o of optimizers) o.optimizer.setIterations(state.optimizers[o.name]!.iterations);
    return state;
  }

  /**
   * Removes all but the newest `keepLast` checkpoints (the one just written is always kept). Checkpoints of later
   * steps than the one just written are from before a resume that fell back past them (damaged) and go too.
   */
  private async prune(current: string): Promise<void> {
    const all = (await fs.readdir(this.root)).filter((n) => /^ckpt-\d+$/.test(n) && n !== current);
    for (const n of all.filter((n) => n > current)) await fs.rm(path.join(this.root, n), { recursive: true, force: true });
    const names = all.filter((n) => n < current).sort();
    const drop = names.slice(0, Math.max(0, names.length - (this.keepLast - 1)));
    for (const n of drop) await fs.rm(path.join(this.root, n), { recursive: true, force: true });
  }
}

/** All tensors of a checkpoint, grouped by part / optimizer so names never collide. */
function collectTensors(parts: readonly TrainablePart[], optimizers: readonly NamedOptimizer[]): NamedVariable[] {
  const out: NamedVariable[] = [];
  for (const part of parts) for (const w of part.weights()) out.push({ name: `${part.name}/${w.name}`, variable: w.variable });
  for (const o of optimizers) for (const s of o.optimizer.state().slots) out.push({ name: `optimizer.${o.name}/${s.name}`, variable: s.variable });
  return out;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads a checkpoint's state.json, checking its digest and the fields a resume relies on (GF_CHECKPOINT_CORRUPT). */
async function readState<E>(stateFile: string, logger?: WarningSink): Promise<CheckpointState<E>> {
  let text: string;
  try {
    text = await fs.readFile(stateFile, 'utf8');
  } catch (e) {
    throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `checkpoint file ${stateFile} is missing or unreadable: ${(e as Error).message}`, { file: stateFile, cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged checkpoint file ${stateFile}: not valid JSON (${(e as Error).message})`, { file: stateFile, cause: e });
  }
  const digest = checkJsonDigest(parsed);
  if (digest === 'mismatch') throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged checkpoint file ${stateFile}: its content does not match its recorded digest`, { file: stateFile, pointer: '/digest' });
  const s = parsed as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of ['step', 'epoch', 'stepInEpoch'] as const) if (!isCount(s[key])) problems.push(`${key} must be a non-negative integer`);
  if (!Array.isArray(s['rng']) || s['rng'].length !== 4 || !s['rng'].every((v) => isCount(v) && v <= 0xffffffff)) problems.push('rng must be four 32-bit unsigned integers');
  if (!isRecord(s['parts']) || !Object.values(s['parts']).every((v) => typeof v === 'string')) problems.push('parts must map part names to architectures');
  if (!isRecord(s['optimizers']) || !Object.values(s['optimizers']).every((o) => isRecord(o) && typeof o['id'] === 'string' && isCount(o['iterations']))) {
    problems.push('optimizers must map names to { id, iterations }');
  }
  if (typeof s['stage'] !== 'string') problems.push('stage must be a string');
  if (problems.length > 0) throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged checkpoint file ${stateFile}: ${problems.join('; ')}`, { file: stateFile });
  if (digest === 'absent') logger?.warn({ file: stateFile }, `${stateFile} has no recorded digest (written by an older GraphFlow); its fields were checked`);
  const { digest: _digest, ...state } = s;
  return state as unknown as CheckpointState<E>;
}
