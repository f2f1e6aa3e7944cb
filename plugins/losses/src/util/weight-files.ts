import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError, writeFileAtomic, writeJsonAtomic, type NamedWeight } from '@graphflow/core';

/** `weights.json` index entry: where a weight's float32 values sit in `weights.bin`. */
interface WeightEntry {
  name: string;
  shape: number[];
  offset: number;
}

interface WeightIndex {
  architecture: string;
  format: 'graphflow-weights/1';
  weights: WeightEntry[];
}

/** Writes every weight as raw little-endian float32 plus a JSON index naming each one; bit-exact on reload. */
export async function saveWeights(dir: string, architecture: string, weights: readonly NamedWeight[]): Promise<void> {
  const entries: WeightEntry[] = [];
  let floats = 0;
  for (const w of weights) {
    entries.push({ name: w.name, shape: w.variable.shape, offset: floats });
    floats += w.variable.size;
  }
  const data = new Float32Array(floats);
  for (let i = 0; i < weights.length; i++) data.set(await weights[i]!.variable.data<'float32'>(), entries[i]!.offset);
  await writeFileAtomic(path.join(dir, 'weights.bin'), new Uint8Array(data.buffer));
  // The index goes last: a directory with an index always has its complete binary.
  await writeJsonAtomic(path.join(dir, 'weights.json'), { architecture, format: 'graphflow-weights/1', weights: entries } satisfies WeightIndex);
}

/** Restores weights written by saveWeights, refusing other architectures, missing names and shape changes. */
export async function loadWeights(dir: string, architecture: string, weights: readonly NamedWeight[]): Promise<void> {
  const indexFile = path.join(dir, 'weights.json');
  let index: WeightIndex;
  let bytes: Buffer;
  try {
    index = JSON.parse(await fs.readFile(indexFile, 'utf8')) as WeightIndex;
    bytes = await fs.readFile(path.join(dir, 'weights.bin'));
  } catch (e) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `cannot read ${architecture} weights: ${(e as Error).message}`, { file: indexFile, cause: e });
  }
  if (index.architecture !== architecture) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `checkpoint holds ${index.architecture}, not ${architecture}`, { file: indexFile, pointer: '/architecture' });
  }
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const byName = new Map(index.weights.map((e) => [e.name, e] as const));
  for (const w of weights) {
    const entry = byName.get(w.name);
    if (!entry) throw new GraphFlowError('GF_CHECKPOINT_INVALID', `checkpoint lacks weight "${w.name}"`, { file: indexFile });
    if (entry.shape.join('x') !== w.variable.shape.join('x')) {
      throw new GraphFlowError('GF_CHECKPOINT_INVALID', `weight "${w.name}" has shape [${entry.shape}] in the checkpoint but [${w.variable.shape}] here`, { file: indexFile });
    }
    const size = w.variable.size;
    if (entry.offset + size > floats.length) throw new GraphFlowError('GF_CHECKPOINT_INVALID', `weights.bin is truncated at "${w.name}"`, { file: indexFile });
    const value = tf.tensor(floats.slice(entry.offset, entry.offset + size), w.variable.shape, 'float32');
    w.variable.assign(value);
    value.dispose();
  }
}
