import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  GraphFlowError,
  describeNonFinite,
  findNonFinite,
  sha256Hex,
  verifyWeightFile,
  warnUnverifiedWeights,
  weightDigests,
  type WarningSink,
  type WeightSpan,
} from '@graphflow/core';
import { writeFileSynced } from './synced-write';

/**
 * GraphFlow's weight file: `weights.json` (names, shapes, dtypes, byte offsets, SHA-256 digests) + `weights.bin` (raw
 * little-endian values). Raw bytes rather than a re-encoding, so a reload is bit-exact; names rather than positions,
 * so a different architecture is detected instead of silently mis-assigned; digests, so a damaged file is detected
 * instead of silently loaded (see verifyWeightFile in @graphflow/core).
 */
export const WEIGHT_FORMAT = 'graphflow-weights/1';

/** name, shape, dtype, byte offset and length, and the SHA-256 of the tensor's bytes. */
export type WeightEntry = WeightSpan;

export interface WeightIndex {
  format: typeof WEIGHT_FORMAT;
  /** SHA-256 of the whole weights.bin (absent in indexes written before digests were recorded). */
  sha256?: string;
  /** Digest of `entries` (weightEntriesDigest), so a damaged index is told apart from a different architecture. */
  entriesSha256?: string;
  entries: WeightEntry[];
}

export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/**
 * Writes `weights.bin` then `weights.json` into `dir` (callers publish `dir` atomically). Refuses, writing nothing,
 * when any value is NaN/±Infinity: GF_WEIGHTS_NOT_FINITE naming the variables, so no checkpoint or snapshot ever
 * holds non-finite weights.
 */
export async function writeWeights(dir: string, weights: readonly NamedVariable[]): Promise<void> {
  const seen = new Set<string>();
  const entries: WeightEntry[] = [];
  const chunks: Uint8Array[] = [];
  const floats: { name: string; values: Float32Array }[] = [];
  let offset = 0;
  for (const { name, variable } of weights) {
    if (seen.has(name)) throw new GraphFlowError('GF_INTERNAL', `two weights are both named "${name}"; checkpoint names must be unique`);
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
    throw new GraphFlowError('GF_WEIGHTS_NOT_FINITE', `refusing to write weights to ${dir}: non-finite values in ${bad.length} variable(s): ${describeNonFinite(bad)}; nothing was written`, { file: dir });
  }
  const bin = Buffer.concat(chunks);
  await fs.mkdir(dir, { recursive: true });
  await writeFileSynced(path.join(dir, 'weights.bin'), bin);
  const index: WeightIndex = { format: WEIGHT_FORMAT, ...weightDigests(entries, bin), entries };
  await writeFileSynced(path.join(dir, 'weights.json'), `${JSON.stringify(index, null, 1)}\n`);
}

export interface LoadedWeight {
  entry: WeightEntry;
  values: Float32Array | Int32Array;
}

/**
 * Reads and verifies `dir`'s weights (see verifyWeightFile): a damaged, truncated or malformed file, or one holding
 * NaN/Infinity, is GF_CHECKPOINT_CORRUPT naming the file and tensor; a foreign file is GF_CHECKPOINT_INVALID. An index
 * without digests (older GraphFlow) loads with a warning on `logger`.
 */
export async function readWeights(dir: string, options: { logger?: WarningSink } = {}): Promise<Map<string, LoadedWeight>> {
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
  let index: Partial<WeightIndex>;
  try {
    index = JSON.parse(text) as Partial<WeightIndex>;
  } catch (e) {
    throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged weight index ${indexFile}: not valid JSON (${(e as Error).message})`, { file: indexFile, cause: e });
  }
  if (index === null || typeof index !== 'object' || index.format !== WEIGHT_FORMAT) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${indexFile} is not a GraphFlow weight index`, { file: indexFile, pointer: '/format' });
  }
  const { tensors, verified } = verifyWeightFile({ indexFile, binFile, pointer: '/entries', entries: index.entries, bin, sha256: index.sha256, entriesSha256: index.entriesSha256 });
  if (!verified) warnUnverifiedWeights(indexFile, options.logger);
  return tensors;
}

/**
 * Assign loaded values to `targets` (all or nothing: every name and shape is checked before anything is
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
