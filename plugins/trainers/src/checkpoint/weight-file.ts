import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError } from '@graphflow/core';
import { writeFileSynced } from './synced-write';

/**
 * GraphFlow's weight file: `weights.json` (names, shapes, dtypes, byte offsets) + `weights.bin` (raw little-endian
 * values). Raw bytes rather than a re-encoding, so a reload is bit-exact; names rather than positions, so a
 * different architecture is detected instead of silently mis-assigned.
 */
export const WEIGHT_FORMAT = 'graphflow-weights/1';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  bytes: number;
}

export interface WeightIndex {
  format: typeof WEIGHT_FORMAT;
  entries: WeightEntry[];
}

export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

export async function writeWeights(dir: string, weights: readonly NamedVariable[]): Promise<void> {
  const seen = new Set<string>();
  const entries: WeightEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const { name, variable } of weights) {
    if (seen.has(name)) throw new GraphFlowError('GF_INTERNAL', `two weights are both named "${name}"; checkpoint names must be unique`);
    seen.add(name);
    const dtype = variable.dtype === 'int32' ? 'int32' : 'float32';
    const values = await variable.data();
    const typed = dtype === 'int32' ? Int32Array.from(values as Int32Array) : Float32Array.from(values as Float32Array);
    const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    entries.push({ name, shape: [...variable.shape], dtype, offset, bytes: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  await fs.mkdir(dir, { recursive: true });
  await writeFileSynced(path.join(dir, 'weights.bin'), Buffer.concat(chunks));
  const index: WeightIndex = { format: WEIGHT_FORMAT, entries };
  await writeFileSynced(path.join(dir, 'weights.json'), `${JSON.stringify(index, null, 1)}\n`);
}

export interface LoadedWeight {
  entry: WeightEntry;
  values: Float32Array | Int32Array;
}

export async function readWeights(dir: string): Promise<Map<string, LoadedWeight>> {
  const indexFile = path.join(dir, 'weights.json');
  const binFile = path.join(dir, 'weights.bin');
  let index: WeightIndex;
  let bin: Buffer;
  try {
    index = JSON.parse(await fs.readFile(indexFile, 'utf8')) as WeightIndex;
    bin = await fs.readFile(binFile);
  } catch (e) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `cannot read weights in ${dir}: ${(e as Error).message}`, { file: dir, cause: e });
  }
  if (index.format !== WEIGHT_FORMAT || !Array.isArray(index.entries)) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${indexFile} is not a GraphFlow weight index`, { file: indexFile, pointer: '/format' });
  }
  const out = new Map<string, LoadedWeight>();
  index.entries.forEach((entry, i) => {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (entry.offset + entry.bytes > bin.byteLength || entry.bytes !== count * 4) {
      throw new GraphFlowError('GF_CHECKPOINT_INVALID', `weight "${entry.name}" lies outside ${binFile} (truncated file?)`, { file: indexFile, pointer: `/entries/${i}` });
    }
    // Copy into an aligned buffer: Buffer slices may start at offsets typed arrays cannot view.
    const copy = new Uint8Array(entry.bytes);
    copy.set(bin.subarray(entry.offset, entry.offset + entry.bytes));
    const values = entry.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    out.set(entry.name, { entry, values });
  });
  return out;
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
