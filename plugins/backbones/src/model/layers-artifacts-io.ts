import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GraphFlowError, writeFileAtomic, writeJsonAtomic } from '@graphflow/core';
import { PORTABLE_CLASS_NAMES } from '../layers/dilated-conv2d';

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
 * Custom layers with a built-in equivalent (PORTABLE_CLASS_NAMES) are written under the built-in name.
 */
export async function saveLayersModel(model: tf.LayersModel, dir: string, metadata: Record<string, unknown>): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts) throw new GraphFlowError('GF_INTERNAL', 'tfjs did not hand over model artifacts while saving');
  const json: LayersModelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: portableTopology(artifacts.modelTopology, PORTABLE_CLASS_NAMES),
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
    userDefinedMetadata: metadata,
  };
  await fs.mkdir(dir, { recursive: true });
  // Weights first: a reader that finds model.json can rely on weights.bin being complete.
  await writeFileAtomic(path.join(dir, WEIGHTS_BIN), new Uint8Array(joinWeightData(artifacts.weightData)));
  await writeJsonAtomic(path.join(dir, MODEL_JSON), json);
}

/** Read `model.json` + its weight files from `dir`, checking that the byte count matches the manifest. */
export async function readLayersArtifacts(dir: string): Promise<{ json: LayersModelJson; artifacts: tf.io.ModelArtifacts }> {
  const file = path.join(dir, MODEL_JSON);
  let json: LayersModelJson;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8')) as LayersModelJson;
  } catch (e) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `cannot read a tfjs layers model: ${(e as Error).message}`, { file, cause: e });
  }
  if (json.format !== 'layers-model' || !Array.isArray(json.weightsManifest)) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', 'not a tfjs layers model (format must be "layers-model" with a weightsManifest)', { file, pointer: '/format' });
  }
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const weightsFile = path.join(dir, p);
      try {
        buffers.push(await fs.readFile(weightsFile));
      } catch (e) {
        throw new GraphFlowError('GF_CHECKPOINT_INVALID', `weights file missing or unreadable: ${(e as Error).message}`, { file: weightsFile, cause: e });
      }
    }
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (total !== expected) {
    throw new GraphFlowError('GF_CHECKPOINT_INVALID', `weights are ${total} bytes but the manifest describes ${expected} (partial or foreign file)`, {
      file: path.join(dir, WEIGHTS_BIN),
    });
  }
  const data = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    data.set(b, offset);
    offset += b.byteLength;
  }
  return {
    json,
    artifacts: { modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'], weightSpecs: specs, weightData: data.buffer },
  };
}

/** An IOHandler for `tf.loadLayersModel` that reads a directory written by `saveLayersModel`. */
export function layersModelDirectory(dir: string): tf.io.IOHandler {
  return { load: async () => (await readLayersArtifacts(dir)).artifacts };
}
