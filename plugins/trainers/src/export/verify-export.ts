import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError, type SegmentationModel } from '@graphflow/core';

interface ModelJson {
  format?: string;
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/**
 * Loads an exported tfjs model.json back exactly as a browser or Node consumer would (tf.loadLayersModel /
 * tf.loadGraphModel, only the file access replaced) and checks its logits against the live model on one input, so an
 * export that would not load, or would compute something else, fails here instead of in a user's app.
 * Returns the largest absolute logit difference.
 */
export async function verifyExportedModel(dir: string, model: SegmentationModel, inputSize: readonly [number, number]): Promise<number> {
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as ModelJson;
  const manifest = json.weightsManifest ?? [];
  const buffers: Buffer[] = [];
  for (const group of manifest) for (const p of group.paths) buffers.push(await fs.readFile(path.join(dir, p)));
  const joined = Buffer.concat(buffers);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: manifest.flatMap((g) => g.weights),
    weightData: joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength),
    ...(json.format ? { format: json.format } : {}),
  };
  const [h, w] = inputSize;
  const input = tf.tidy(() => tf.randomUniform([1, h, w, model.inChannels], -1, 1, 'float32', 7) as tf.Tensor4D);
  try {
    let outputs: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
    if (json.format === 'graph-model') {
      const graph = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
      outputs = graph.predict(input);
      graph.dispose();
    } else {
      const layers = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      outputs = layers.predict(input);
      layers.dispose();
    }
    // Backbones may export taps as extra outputs; the logits are the [1,H,W,K] one.
    const all = outputs instanceof tf.Tensor ? [outputs] : Array.isArray(outputs) ? outputs : Object.values(outputs);
    const isLogits = (t: tf.Tensor) => t.rank === 4 && t.shape[1] === h && t.shape[2] === w && t.shape[3] === model.numClasses;
    const predicted = all.find(isLogits) ?? all[0]!;
    tf.dispose(all.filter((t) => t !== predicted));
    const diff = tf.tidy(() => {
      const { logits } = model.forward(input, { training: false, taps: [] });
      if (logits.shape.join() !== predicted.shape.join()) {
        throw new GraphFlowError('GF_CHECKPOINT_INVALID', `exported model outputs [${predicted.shape.join(',')}], the live model [${logits.shape.join(',')}]`, { file });
      }
      return tf.max(tf.abs(tf.sub(logits, predicted))).dataSync()[0]!;
    });
    predicted.dispose();
    return diff;
  } finally {
    input.dispose();
  }
}
