import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError, describeNonFinite, findNonFinite, writeDirAtomic, type SegmentationModel } from '@graphflow/core';
import { verifyExportedModel } from './verify-export';

export interface ExportOptions {
  /** Input size the card describes and FLOPs are counted at. */
  inputSize: readonly [number, number];
  classNames?: readonly string[];
  /** Preprocessing the model expects (shown to users of the exported model). */
  preprocessing?: Record<string, unknown>;
}

export interface ModelCard {
  format: 'graphflow-model/1';
  architecture: string;
  inChannels: number;
  numClasses: number;
  classNames?: string[];
  inputShape: [number, number, number];
  layout: 'NHWC';
  params: number;
  flops: number;
  /** `model.json` of a tfjs graph/layers model, when the backbone wrote one. */
  tfjsModel?: string;
  /** Largest |logit difference| between the reloaded model.json and the live model on a test input. */
  verifiedMaxAbsDiff?: number;
  preprocessing?: Record<string, unknown>;
  exported: string;
}

/**
 * Writes a self-contained model folder: whatever the backbone's `save()` produces (weights and, where the backbone
 * supports it, a standalone tfjs model.json loadable with tf.loadGraphModel / tf.loadLayersModel in the browser or
 * Node — reloaded and checked against the live model before publishing) plus `graphflow-model.json` describing input
 * layout, classes and preprocessing. Published atomically; an existing folder is not overwritten.
 */
export async function exportModel(model: SegmentationModel, outDir: string, options: ExportOptions): Promise<ModelCard> {
  const target = path.resolve(outDir);
  const exists = await fs.access(target).then(
    () => true,
    () => false,
  );
  if (exists) throw new GraphFlowError('GF_RUN_DIR_EXISTS', `export folder ${target} already exists; choose another`, { file: target });
  // Whatever the backbone's save() does, an exported model never carries NaN/Infinity (batch-norm statistics included).
  const bad = findNonFinite(model.weights().filter((w) => w.variable.dtype === 'float32').map((w) => ({ name: w.name, values: w.variable.dataSync() as Float32Array })));
  if (bad.length > 0) {
    throw new GraphFlowError('GF_WEIGHTS_NOT_FINITE', `refusing to export ${model.architecture}: non-finite values in ${bad.length} weight(s): ${describeNonFinite(bad)}; nothing was written`, { file: target });
  }
  const [h, w] = options.inputSize;
  const summary = model.summary(h, w);
  let card: ModelCard | undefined;
  try {
    await writeDirAtomic(target, async (tmp) => {
      await model.save(tmp);
      const files = await fs.readdir(tmp);
      const built: ModelCard = {
        format: 'graphflow-model/1',
        architecture: model.architecture,
        inChannels: model.inChannels,
        numClasses: model.numClasses,
        ...(options.classNames ? { classNames: [...options.classNames] } : {}),
        inputShape: [h, w, model.inChannels],
        layout: 'NHWC',
        params: summary.params,
        flops: summary.flops,
        ...(files.includes('model.json') ? { tfjsModel: 'model.json' } : {}),
        ...(options.preprocessing ? { preprocessing: options.preprocessing } : {}),
        exported: new Date().toISOString(),
      };
      card = built;
      if (built.tfjsModel) {
        let diff: number;
        try {
          diff = await verifyExportedModel(tmp, model, options.inputSize);
        } catch (e) {
          if (e instanceof GraphFlowError) throw e;
          throw new GraphFlowError('GF_CHECKPOINT_INVALID', `the exported model.json of ${model.architecture} does not load with TensorFlow.js: ${(e as Error).message}`, { file: path.join(target, 'model.json'), cause: e });
        }
        // Float reordering between the layers-model and the live graph stays far below this; more means a wrong export.
        if (!(diff <= 1e-3)) {
          throw new GraphFlowError('GF_CHECKPOINT_INVALID', `the exported model.json reloads but its logits differ from the live model by ${diff}`, { file: path.join(target, 'model.json') });
        }
        built.verifiedMaxAbsDiff = diff;
      }
      await fs.writeFile(path.join(tmp, 'graphflow-model.json'), `${JSON.stringify(built, null, 2)}\n`);
    });
  } catch (e) {
    if (e instanceof GraphFlowError) throw e;
    throw new GraphFlowError('GF_RUN_DIR_UNWRITABLE', `cannot write export folder ${target}: ${(e as Error).message}`, { file: target, cause: e });
  }
  return card!;
}
