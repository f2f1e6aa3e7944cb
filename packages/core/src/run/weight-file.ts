import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError } from '../errors/graphflow-error';
import { writeFileSynced } from './atomic-write';
import { describeNonFinite, findNonFinite, sha256Hex, verifyWeightFile, warnUnverifiedWeights, weightDigests, type VerifiedTensor, type WarningSink, type WeightSpan } from './weight-integrity';

/**
 * GraphFlow's weight file, for every trainable thing a plugin saves (trainer checkpoints, loss modules, a third
 * party's own): `weights.json` (names, shapes, dtypes, byte offsets, SHA-256 digests, optionally the architecture)
 * + `weights.bin` (raw little-endian values). Raw bytes rather than a re-encoding, so a reload is bit-exact; names
 * rather than positions, so a different architecture is detected instead of silently mis-assigned; digests, so a
 * damaged file is detected instead of silently loaded (verifyWeightFile).
 */
export const WEIGHT_FORMAT = 'graphflow-weights/1';

export interface WeightIndex {
  format: typeof WEIGHT_FORMAT;
  /** What the weights belong to (e.g. `module/paraphraser(enc2:32→16,…)`), checked on load when the reader names one. */
  architecture?: string;
  /** SHA-256 of the whole weights.bin (absent in indexes written before digests were recorded). */
  sha256?: string;
  /** Digest of `entries` (weightEntriesDigest), so a damaged index is told apart from a different architecture. */
  entriesSha256?: string;
  entries: WeightSpan[];
}

export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/**
 * Writes `weights.bin` then `weights.json` into `dir`, each synced (callers publish `dir` atomically, or rely on the
 * digests: an index whose binary is incomplete is GF_CHECKPOINT_CORRUPT on load). Refuses, writing nothing, when any value is
 * NaN/±Infinity: GF_WEIGHTS_NOT_FINITE naming the variables, so no saved weights ever hold non-finite values.
 */
export async function writeWeights(dir: string, weights: readonly NamedVariable[], options: { architecture?: string } = {}): Promise<void> {
  const seen = new Set<string>();
  const entries: WeightSpan[] = [];
  const chunks: Uint8Array[] = [];
  const floats: { name: string; values: Float32Array }[] = [];
  let offset = 0;
  for (const { name, variable } of weights) {
    if (seen.has(name)) throw new GraphFlowError('GF_INTERNAL', `two weights are both named "${name}"; weight names must be unique`);
    seen.add(name);
    const dtype = variable.dtype === 'int32' ? 'int32' : 'float32';
    const values = await variable.data();
    const typed = dtype === 'int32' ? Int32Array.from(values as Int32Array) : Float32Array.from(values as Float32Array);
    if (typed instanceof Float32Array) floats.push({ name, values: typed });
    const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    entries.push({ name, shape: [...variable.shape], dtype, offset, bytes: bytes.byteLength, sha256: sha256Hex(bytes) });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const bad = findNonFinite(floats);
  if (bad.length > 0) {
    const what = options.architecture !== undefined ? `${options.architecture} ` : '';
    throw new GraphFlowError('GF_WEIGHTS_NOT_FINITE', `refusing to write ${what}weights to ${dir}: non-finite values in ${bad.length} variable(s): ${describeNonFinite(bad)}; nothing was written`, { file: dir });
  }
  const bin = Buffer.concat(chunks);
  await fs.mkdir(dir, { recursive: true });
  await writeFileSynced(path.join(dir, 'weights.bin'), bin);
  const index: WeightIndex = { format: WEIGHT_FORMAT, ...(options.architecture !== undefined ? { architecture: options.architecture } : {}), ...weightDigests(entries, bin), entries };
  await writeFileSynced(path.join(dir, 'weights.json'), `${JSON.stringify(index, null, 1)}\n`);
}

export type LoadedWeight = VerifiedTensor;

/** An index from before digests were recorded: `weights` with offsets counted in floats, float32 implied. */
interface LegacyIndex {
  weights?: unknown;
}

/**
 * Reads and verifies `dir`'s weights (see verifyWeightFile): a damaged, truncated or malformed file, or one holding
 * NaN/Infinity, is GF_CHECKPOINT_CORRUPT naming the file and tensor; a foreign file, or one of another
 * `architecture` than asked for, is GF_CHECKPOINT_INVALID. An index without digests (older GraphFlow) loads with a
 * warning on `logger`.
 */
export async function readWeights(dir: string, options: { logger?: WarningSink; architecture?: string } = {}): Promise<Map<string, LoadedWeight>> {
  const indexFile = path.join(dir, 'weights.json');
  const binFile = path.join(dir, 'weights.bin');
  let text: string;
  let bin: Buffer;
  try {
    text = await fs.readFile(indexFile, 'utf8');
    bin = await fs.readFile(binFile);
  } catch (e) {
    const file = (e as NodeJS.ErrnoException).path ?? dir;
    throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `weights in ${dir} are missing or unreadable: ${(e as Error).message}`, { file, cause: e });
  }
  let index: Partial<WeightIndex> & LegacyIndex;
  try {
    index = JSON.parse(text) as Partial<WeightIndex> & LegacyIndex;
  } catch (e) {
    throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged weight index ${indexFile}: not valid JSON (${(e as Error).message})`, { file: indexFile, cause: e });
  }
  if (index === null || typeof index !== 'object' || index.format !== WEIGHT_FORMAT) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${indexFile} is not a GraphFlow weight index`, { file: indexFile, pointer: '/format' });
  }
  if (options.architecture !== undefined && index.architecture !== options.architecture) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${indexFile} holds ${String(index.architecture)}, not ${options.architecture}`, { file: indexFile, pointer: '/architecture' });
  }
  const legacy = index.entries === undefined && index.weights !== undefined;
  const { tensors, verified } = verifyWeightFile({
    indexFile,
    binFile,
    pointer: legacy ? '/weights' : '/entries',
    entries: legacy ? legacyEntries(index.weights) : index.entries,
    bin,
    sha256: index.sha256,
    entriesSha256: index.entriesSha256,
  });
  if (!verified) warnUnverifiedWeights(indexFile, options.logger);
  return tensors;
}

/** Old `weights` entries (offset in floats, float32 implied) as byte spans for verifyWeightFile. */
function legacyEntries(raw: unknown): unknown {
  if (!Array.isArray(raw)) return raw;
  return raw.map((e: unknown) => {
    if (e === null || typeof e !== 'object') return e;
    const o = e as { name?: unknown; shape?: unknown; offset?: unknown };
    const elements = Array.isArray(o.shape) && o.shape.every((d) => typeof d === 'number') ? (o.shape as number[]).reduce((a, b) => a * b, 1) : undefined;
    return { name: o.name, shape: o.shape, dtype: 'float32', offset: typeof o.offset === 'number' ? o.offset * 4 : o.offset, bytes: elements === undefined ? undefined : elements * 4 };
  });
}

/**
 * Assign loaded values to `targets` (all or nothing: every name, shape and dtype is checked before anything is
 * written). `prefix` selects a group inside a checkpoint (e.g. `model/`).
 */
export function assignWeights(targets: readonly NamedVariable[], loaded: Map<string, LoadedWeight>, where: { dir: string; prefix?: string; what: string }): void {
  const prefix = where.prefix ?? '';
  const problems: string[] = [];
  const pairs: [tf.Variable, LoadedWeight][] = [];
  for (const { name, variable } of targets) {
    const w = loaded.get(prefix + name);
    if (!w) {
      problems.push(`missing weight "${prefix + name}"`);
      continue;
    }
    if (w.entry.shape.length !== variable.shape.length || w.entry.shape.some((d, i) => d !== variable.shape[i])) {
      problems.push(`"${prefix + name}" has shape [${w.entry.shape.join(',')}] but ${where.what} expects [${variable.shape.join(',')}]`);
      continue;
    }
    if (w.entry.dtype !== (variable.dtype === 'int32' ? 'int32' : 'float32')) {
      problems.push(`"${prefix + name}" holds ${w.entry.dtype} but ${where.what} expects ${variable.dtype}`);
      continue;
    }
    pairs.push([variable, w]);
  }
  const expected = new Set(targets.map((t) => prefix + t.name));
  const extra = [...loaded.keys()].filter((k) => k.startsWith(prefix) && !expected.has(k));
  if (extra.length > 0) problems.push(`unexpected weights ${extra.slice(0, 3).map((e) => `"${e}"`).join(', ')}${extra.length > 3 ? ` and ${extra.length - 3} more` : ''}`);
  if (problems.length > 0) {
    throw new GraphFlowError(
      'GF_CHECKPOINT_INVALID',
      `weights in ${where.dir} do not fit ${where.what} (different architecture?): ${problems.slice(0, 4).join('; ')}${problems.length > 4 ? ` (+${problems.length - 4} more)` : ''}`,
      { file: where.dir },
    );
  }
  for (const [variable, w] of pairs) {
    tf.tidy(() => variable.assign(tf.tensor(w.values, w.entry.shape, w.entry.dtype)));
  }
}
