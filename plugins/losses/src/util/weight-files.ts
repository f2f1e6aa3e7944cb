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
  writeFileAtomic,
  writeJsonAtomic,
  type NamedWeight,
  type WeightSpan,
} from '@graphflow/core';

/**
 * `weights.json` of a module (the layout of GraphFlow's trainer weight files, plus the architecture): each weight's
 * name, shape, dtype, byte offset and length and SHA-256, the digest of weights.bin and of the entries.
 */
interface WeightIndex {
  architecture: string;
  format: 'graphflow-weights/1';
  sha256: string;
  entriesSha256: string;
  entries: WeightSpan[];
}

/** An index written before digests were recorded: `weights` with offsets counted in floats. */
interface LegacyIndex {
  architecture?: unknown;
  format?: unknown;
  weights?: unknown;
}

/**
 * Writes every weight as raw little-endian float32 plus a JSON index naming each one; bit-exact on reload. Refuses,
 * writing nothing, when a value is NaN/±Infinity (GF_WEIGHTS_NOT_FINITE).
 */
export async function saveWeights(dir: string, architecture: string, weights: readonly NamedWeight[]): Promise<void> {
  const arrays = await Promise.all(weights.map(async (w) => ({ name: w.name, values: Float32Array.from(await w.variable.data<'float32'>()) })));
  const bad = findNonFinite(arrays);
  if (bad.length > 0) {
    throw new GraphFlowError('GF_WEIGHTS_NOT_FINITE', `refusing to save ${architecture} to ${dir}: non-finite values in ${bad.length} weight(s): ${describeNonFinite(bad)}; nothing was written`, { file: dir });
  }
  const entries: WeightSpan[] = [];
  let offset = 0;
  for (const [i, w] of weights.entries()) {
    const values = arrays[i]!.values;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    entries.push({ name: w.name, shape: [...w.variable.shape], dtype: 'float32', offset, bytes: bytes.byteLength, sha256: sha256Hex(bytes) });
    offset += bytes.byteLength;
  }
  const data = new Uint8Array(offset);
  arrays.forEach((a, i) => data.set(new Uint8Array(a.values.buffer), entries[i]!.offset));
  await writeFileAtomic(path.join(dir, 'weights.bin'), data);
  // The index goes last: a directory with an index always has its complete binary.
  await writeJsonAtomic(path.join(dir, 'weights.json'), { architecture, format: 'graphflow-weights/1', ...weightDigests(entries, data), entries } satisfies WeightIndex);
}

/**
 * Restores weights written by saveWeights, all or nothing: a damaged, truncated or malformed file, or one holding
 * NaN/Infinity, is GF_CHECKPOINT_CORRUPT naming the file and tensor; another architecture, a missing name or a shape
 * change is GF_CHECKPOINT_INVALID. Indexes from before digests were recorded load with a warning.
 */
export async function loadWeights(dir: string, architecture: string, weights: readonly NamedWeight[]): Promise<void> {
  const indexFile = path.join(dir, 'weights.json');
  const binFile = path.join(dir, 'weights.bin');
  let text: string;
  let bytes: Buffer;
  try {
    text = await fs.readFile(indexFile, 'utf8');
    bytes = await fs.readFile(binFile);
  } catch (e) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `cannot read ${architecture} weights: ${(e as Error).message}`, { file: indexFile, cause: e });
  }
  let index: Partial<WeightIndex> & LegacyIndex;
  try {
    index = JSON.parse(text) as Partial<WeightIndex> & LegacyIndex;
  } catch (e) {
    throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged weight index ${indexFile}: not valid JSON (${(e as Error).message})`, { file: indexFile, cause: e });
  }
  if (index === null || typeof index !== 'object' || index.format !== 'graphflow-weights/1') {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `${indexFile} is not a GraphFlow weight index`, { file: indexFile, pointer: '/format' });
  }
  if (index.architecture !== architecture) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `checkpoint holds ${String(index.architecture)}, not ${architecture}`, { file: indexFile, pointer: '/architecture' });
  }
  const legacy = index.entries === undefined && index.weights !== undefined;
  const { tensors, verified } = verifyWeightFile({
    indexFile,
    binFile,
    pointer: legacy ? '/weights' : '/entries',
    entries: legacy ? legacyEntries(index.weights) : index.entries,
    bin: bytes,
    sha256: index.sha256,
    entriesSha256: index.entriesSha256,
  });
  if (!verified) warnUnverifiedWeights(indexFile);
  const pairs: [tf.Variable, Float32Array | Int32Array, number[]][] = [];
  for (const w of weights) {
    const t = tensors.get(w.name);
    if (!t) throw new GraphFlowError('GF_CHECKPOINT_INVALID', `checkpoint lacks weight "${w.name}"`, { file: indexFile });
    if (t.entry.shape.join('x') !== w.variable.shape.join('x') || t.entry.dtype !== 'float32') {
      throw new GraphFlowError('GF_CHECKPOINT_INVALID', `weight "${w.name}" has shape [${t.entry.shape}] (${t.entry.dtype}) in the checkpoint but [${w.variable.shape}] here`, { file: indexFile });
    }
    pairs.push([w.variable, t.values, t.entry.shape]);
  }
  // Every check passed: only now is anything assigned.
  for (const [variable, values, shape] of pairs) tf.tidy(() => variable.assign(tf.tensor(values, shape, 'float32')));
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
