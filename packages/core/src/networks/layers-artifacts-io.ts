import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GraphFlowError } from '../errors/graphflow-error';
import { writeFileAtomic, writeJsonAtomic } from '../run/atomic-write';
import {
  describeNonFinite,
  findNonFinite,
  sha256Hex,
  tensorValues,
  verifyWeightFile,
  warnUnverifiedWeights,
  weightEntriesDigest,
  type WeightSpan,
} from '../run/weight-integrity';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** The standard tfjs layers-model `model.json` (what `tf.loadLayersModel` reads), with GraphFlow metadata. */
export interface LayersModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

/**
 * Digests GraphFlow records in `userDefinedMetadata.graphflowIntegrity` (tfjs's own loaders pass that field through
 * untouched): SHA-256 of the concatenated weight files, of each tensor's bytes (in weightsManifest order), and of the
 * manifest's entries, so readLayersArtifacts detects damaged weights and a damaged manifest.
 */
export interface LayersIntegrity {
  format: 'graphflow-integrity/1';
  sha256: string;
  entriesSha256: string;
  tensorSha256: string[];
}

export const INTEGRITY_KEY = 'graphflowIntegrity';

/**
 * The byte spans tfjs implies for weight specs (stored back to back in manifest order), as raw entries for
 * verifyWeightFile; a malformed spec yields an entry that fails validation there.
 */
function impliedEntries(specs: readonly unknown[], tensorSha256?: readonly unknown[]): Record<string, unknown>[] {
  let offset = 0;
  return specs.map((spec, i) => {
    const s = (spec ?? {}) as { name?: unknown; shape?: unknown; dtype?: unknown };
    const shape = s.shape;
    const elements = Array.isArray(shape) && shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0) ? (shape as number[]).reduce((a, b) => a * b, 1) : undefined;
    const bytes = elements === undefined ? undefined : elements * 4;
    const entry = { name: s.name, shape, dtype: s.dtype, offset, bytes, ...(tensorSha256?.[i] !== undefined ? { sha256: tensorSha256[i] } : {}) };
    offset += bytes ?? 0;
    return entry;
  });
}

/** Replace custom class names by their built-in equivalents throughout a serialized topology. */
function portableTopology(node: unknown, aliases: Readonly<Record<string, string>>): unknown {
  if (Array.isArray(node)) return node.map((n) => portableTopology(n, aliases));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === 'class_name' && typeof value === 'string' && aliases[value] ? aliases[value] : portableTopology(value, aliases);
  }
  return out;
}

function joinWeightData(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  if (!Array.isArray(data)) return data;
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}

/**
 * Write `model` as `model.json` + `weights.bin` in the tfjs layers format. Node has no `file://` handler
 * without tfjs-node, so the artifacts are captured with a save handler and written atomically here.
 * Custom layers with a built-in equivalent (`portableClassNames`) are written under the built-in name.
 */
export async function saveLayersModel(
  model: tf.LayersModel,
  dir: string,
  metadata: Record<string, unknown>,
  portableClassNames: Readonly<Record<string, string>> = {},
): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts) throw new GraphFlowError('GF_INTERNAL', 'tfjs did not hand over model artifacts while saving');
  const specs = artifacts.weightSpecs ?? [];
  const bin = new Uint8Array(joinWeightData(artifacts.weightData));
  const entries = impliedEntries(specs) as unknown as WeightSpan[];
  if (specs.some((s) => s.quantization) || entries.reduce((n, e) => n + e.bytes, 0) !== bin.byteLength) {
    throw new GraphFlowError('GF_INTERNAL', `tfjs handed over ${bin.byteLength} weight bytes for specs describing ${entries.reduce((n, e) => n + e.bytes, 0)}`);
  }
  // Nothing non-finite is ever written (batch-norm moving statistics included).
  const bad = findNonFinite(entries.filter((e) => e.dtype === 'float32').map((e) => ({ name: e.name, values: tensorValues(bin, e) })));
  if (bad.length > 0) {
    throw new GraphFlowError('GF_WEIGHTS_NOT_FINITE', `refusing to save ${model.name} to ${dir}: non-finite values in ${bad.length} weight(s): ${describeNonFinite(bad)}; nothing was written`, { file: dir });
  }
  const tensorSha256 = entries.map((e) => sha256Hex(bin.subarray(e.offset, e.offset + e.bytes)));
  const integrity: LayersIntegrity = {
    format: 'graphflow-integrity/1',
    sha256: sha256Hex(bin),
    entriesSha256: weightEntriesDigest(entries.map((e, i) => ({ ...e, sha256: tensorSha256[i]! }))),
    tensorSha256,
  };
  const json: LayersModelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: portableTopology(artifacts.modelTopology, portableClassNames),
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: specs }],
    userDefinedMetadata: { ...metadata, [INTEGRITY_KEY]: integrity },
  };
  await fs.mkdir(dir, { recursive: true });
  // Weights first: a reader that finds model.json can rely on weights.bin being complete.
  await writeFileAtomic(path.join(dir, WEIGHTS_BIN), bin);
  await writeJsonAtomic(path.join(dir, MODEL_JSON), json);
}

/**
 * Read `model.json` + its weight files from `dir` and verify them (verifyWeightFile: spec shapes and dtypes, sizes,
 * the SHA-256 digests recorded in userDefinedMetadata, finiteness). A damaged file is GF_CHECKPOINT_CORRUPT naming it
 * and the tensor; a missing or foreign one GF_CHECKPOINT_INVALID. A model.json without digests (older GraphFlow,
 * other tools) loads with a warning once sizes and finiteness check.
 */
export async function readLayersArtifacts(dir: string): Promise<{ json: LayersModelJson; artifacts: tf.io.ModelArtifacts }> {
  const file = path.join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `cannot read a tfjs layers model: ${(e as Error).message}`, { file, cause: e });
  }
  let json: LayersModelJson;
  try {
    json = JSON.parse(text) as LayersModelJson;
  } catch (e) {
    throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged ${file}: not valid JSON (${(e as Error).message})`, { file, cause: e });
  }
  if (json === null || typeof json !== 'object' || json.format !== 'layers-model' || !Array.isArray(json.weightsManifest)) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', 'not a tfjs layers model (format must be "layers-model" with a weightsManifest)', { file, pointer: '/format' });
  }
  const root = path.resolve(dir);
  const weightFiles: string[] = [];
  const specs: unknown[] = [];
  for (const [g, group] of json.weightsManifest.entries()) {
    const paths = (group as { paths?: unknown } | null)?.paths;
    const weights = (group as { weights?: unknown } | null)?.weights;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string') || !Array.isArray(weights)) {
      throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged ${file}: weightsManifest group ${g} needs "paths" (strings) and "weights" (a list)`, { file, pointer: `/weightsManifest/${g}` });
    }
    for (const p of paths as string[]) {
      const weightsFile = path.resolve(root, p);
      if (path.relative(root, weightsFile).startsWith('..') || path.isAbsolute(path.relative(root, weightsFile))) {
        throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `damaged ${file}: weights path "${p}" points outside ${dir}`, { file, pointer: `/weightsManifest/${g}/paths` });
      }
      weightFiles.push(weightsFile);
    }
    specs.push(...weights);
  }
  if (specs.some((s) => (s as { quantization?: unknown } | null)?.quantization !== undefined)) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', 'quantized weights are not supported: export the model from GraphFlow without quantization', { file, pointer: '/weightsManifest' });
  }
  const buffers: Uint8Array[] = [];
  for (const weightsFile of weightFiles) {
    try {
      buffers.push(await fs.readFile(weightsFile));
    } catch (e) {
      throw new GraphFlowError('GF_CHECKPOINT_CORRUPT', `weights file missing or unreadable: ${(e as Error).message}`, { file: weightsFile, cause: e });
    }
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    data.set(b, offset);
    offset += b.byteLength;
  }
  const integrity = (json.userDefinedMetadata?.[INTEGRITY_KEY] ?? {}) as Partial<LayersIntegrity>;
  const tensorSha256 = Array.isArray(integrity.tensorSha256) ? integrity.tensorSha256 : undefined;
  const { verified } = verifyWeightFile({
    indexFile: file,
    binFile: weightFiles.length === 1 ? weightFiles[0]! : path.join(dir, WEIGHTS_BIN),
    pointer: json.weightsManifest.length === 1 ? '/weightsManifest/0/weights' : '/weightsManifest',
    entries: impliedEntries(specs, tensorSha256),
    bin: data,
    sha256: integrity.sha256,
    entriesSha256: integrity.entriesSha256,
  });
  if (!verified) warnUnverifiedWeights(file);
  return {
    json,
    artifacts: { modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'], weightSpecs: specs as tf.io.WeightsManifestEntry[], weightData: data.buffer },
  };
}

/** An IOHandler for `tf.loadLayersModel` that reads a directory written by `saveLayersModel`. */
export function layersModelDirectory(dir: string): tf.io.IOHandler {
  return { load: async () => (await readLayersArtifacts(dir)).artifacts };
}
