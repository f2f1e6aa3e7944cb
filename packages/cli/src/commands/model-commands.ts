import * as path from 'node:path';
import { createLogger, idleRunOptions, TOOL_IDS, type EvaluateTool, type ExportTool, type InspectDataTool, type Metric, type PredictTool, type Sample, type SegmentationData, type SegmentationModel } from '@graphflow/core';
import { createRunScope, openSession, parseOverride } from '@graphflow/core/host';
import type { CliIo } from '../io';
import { reportError } from '../errors';
import { cliPluginSetup } from '../plugin-setup';
import { openModel, parseSize } from '../model-reference';

interface Common {
  plugin?: string[];
  allowPlugins?: boolean;
  backend?: string;
  json?: boolean;
}

interface Builds {
  build<T>(spec: { type: string; options?: Record<string, unknown> }, path: string): Promise<T>;
}

/** A `tool/*` component from the registry (the plugins loaded for this manifest or run), built with no options in its scope. */
function tool<T>(scope: Builds, id: string): Promise<T> {
  return scope.build<T>({ type: id, options: {} }, id);
}

/** A manifest's components (data, models) in a run scope without a run folder: for summary, inspect and eval's data. */
async function manifestScope(manifest: string, options: Common & { set?: string[] }) {
  const logger = createLogger({ level: 'warn' });
  // The opening path of a run (validation, plugins, backend), without a run folder. Building a model creates its
  // weights, which needs an initialized backend (a registered one is not enough).
  const { prepared, backend } = await openSession({ ...cliPluginSetup(options), manifestPath: manifest, overrides: (options.set ?? []).map(parseOverride), ...(options.backend ? { backend: options.backend } : {}) }, logger);
  const rs = createRunScope({ registry: prepared.registry, manifest: prepared.manifest, runOptions: idleRunOptions(prepared.loaded.file), logger, ...(backend ? { backend } : {}) });
  return { prepared, resolve: <T>(ref: string) => rs.scope.resolve<T>(rs.root, ref), build: rs.build };
}

export async function summaryCommand(manifest: string, options: Common & { set?: string[]; size?: string }, io: CliIo): Promise<number> {
  try {
    const { prepared, resolve } = await manifestScope(manifest, options);
    const size = options.size ? parseSize(options.size) : prepared.manifest.data ? ((await resolve<SegmentationData>('data')).inputSize as [number, number]) : ([128, 128] as [number, number]);
    const rows: { model: string; architecture: string; params: number; trainableParams: number; gflops: number }[] = [];
    for (const name of Object.keys(prepared.manifest.models)) {
      const model = await resolve<Partial<SegmentationModel>>(`models.${name}`);
      if (typeof model.summary !== 'function') continue;
      const s = model.summary(size[0], size[1]);
      rows.push({ model: name, architecture: s.architecture, params: s.params, trainableParams: s.trainableParams, gflops: s.flops / 1e9 });
    }
    if (options.json) {
      io.out(`${JSON.stringify({ inputSize: size, models: rows }, null, 2)}\n`);
      return 0;
    }
    io.out(`Model sizes at ${size[0]}×${size[1]} (FLOPs = 2 × multiply-accumulates, one image):\n\n`);
    io.out('| model | architecture | params | trainable | GFLOPs |\n|---|---|---:|---:|---:|\n');
    for (const r of rows) io.out(`| ${r.model} | ${r.architecture} | ${r.params.toLocaleString('en-US')} | ${r.trainableParams.toLocaleString('en-US')} | ${r.gflops.toFixed(3)} |\n`);
    return 0;
  } catch (e) {
    return reportError(e, io, options.json);
  }
}

export async function inspectCommand(manifest: string, options: Common & { set?: string[]; out: string; samples: string }, io: CliIo): Promise<number> {
  try {
    const scope = await manifestScope(manifest, options);
    const { resolve, prepared } = scope;
    if (!prepared.manifest.data) {
      io.err(`error GF_MANIFEST_INVALID: ${manifest} has no "data" entry to inspect\n`);
      return 2;
    }
    const data = await resolve<SegmentationData>('data');
    const inspector = await tool<InspectDataTool>(scope, TOOL_IDS.inspectData);
    const report = await inspector.inspect(data, path.resolve(options.out), { samples: Number(options.samples) });
    if (options.json) {
      io.out(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    io.out(`${prepared.manifest.data.type}: ${report.numClasses} classes (${report.classNames.join(', ')}), ${report.channels} channel(s), input ${report.inputSize.join('×')}\n\n`);
    io.out('| partition | samples | groups | class pixel frequency |\n|---|---:|---:|---|\n');
    for (const [name, p] of Object.entries(report.partitions)) {
      io.out(`| ${name} | ${p.samples} | ${p.groups} | ${p.classPixelFrequency ? p.classPixelFrequency.map((f) => f.toFixed(3)).join(' / ') : '–'} |\n`);
    }
    io.out(`\nimage sizes: ${Object.entries(report.imageSizes).map(([s, n]) => `${s} ×${n}`).join(', ')}\n`);
    if (report.skipped.length) io.out(`skipped: ${report.skipped.map((s) => `${s.files.join(' + ')} (${s.reason})`).join('; ')}\n`);
    io.out(`written: ${path.join(options.out, report.files.report)}${report.files.contactSheet ? `, ${path.join(options.out, report.files.contactSheet)}` : ''}\n`);
    return 0;
  } catch (e) {
    return reportError(e, io, options.json);
  }
}

export async function evalCommand(reference: string, manifest: string | undefined, options: Common & InferenceFlags & { partition: 'train' | 'val' | 'test'; batchSize: string }, io: CliIo): Promise<number> {
  try {
    const { opened, name, model } = await openModel(reference, options);
    const data = manifest ? await (await manifestScope(manifest, options)).resolve<SegmentationData>('data') : await opened.resolve<SegmentationData>('data');
    const evaluator = await tool<EvaluateTool>(opened, TOOL_IDS.evaluate);
    const metrics: Metric[] = [];
    for (const type of evaluator.defaultMetrics) metrics.push(await opened.build<Metric>({ type, options: {} }, `eval.${type}`));
    const result = await evaluator.evaluate(model, data, { partition: options.partition, metrics, batchSize: Number(options.batchSize), inference: inferenceFrom(options) });
    io.out(options.json ? `${JSON.stringify(result.summary, null, 2)}\n` : `${evaluator.table({ [name]: result }, metrics)}\n`);
    return 0;
  } catch (e) {
    return reportError(e, io, options.json);
  }
}

export async function exportCommand(reference: string, options: Common & { out: string; size?: string }, io: CliIo): Promise<number> {
  try {
    const { opened, name, model } = await openModel(reference, options);
    const data = opened.manifest.data ? await opened.resolve<SegmentationData>('data') : undefined;
    const size = options.size ? parseSize(options.size) : data ? ([data.inputSize[0], data.inputSize[1]] as [number, number]) : ([128, 128] as [number, number]);
    // Dataset-wide statistics are computed from the training images at build time: the card must carry the numbers,
    // since a consumer of the exported model has no training images to recompute them from.
    const statistics = data?.normalizationStatistics?.() ?? null;
    const exporter = await tool<ExportTool>(opened, TOOL_IDS.export);
    const card = await exporter.export(model, options.out, { inputSize: size, ...(data ? { classNames: data.classNames } : {}), preprocessing: { dataset: opened.manifest.data?.type, options: opened.manifest.data?.options, ...(statistics ? { statistics } : {}) } });
    io.out(options.json ? `${JSON.stringify(card, null, 2)}\n` : `exported ${name} (${card.architecture}, ${card.params.toLocaleString('en-US')} params) to ${path.resolve(options.out)}${card.tfjsModel ? ` — ${card.tfjsModel} loads with tf.loadLayersModel` : ''}\n`);
    return 0;
  } catch (e) {
    return reportError(e, io, options.json);
  }
}

export interface InferenceFlags {
  inference?: 'auto' | 'whole' | 'sliding-window';
  tile?: string;
  overlap?: string;
}

/** The `inference` options the --inference/--tile/--overlap flags give (unset ones keep the defaults). */
function inferenceFrom(flags: InferenceFlags): Record<string, unknown> {
  return {
    ...(flags.inference ? { mode: flags.inference } : {}),
    ...(flags.tile ? { tile: parseSize(flags.tile) } : {}),
    ...(flags.overlap !== undefined ? { overlap: Number(flags.overlap) } : {}),
  };
}

export async function predictCommand(reference: string, images: string[], options: Common & InferenceFlags & { out: string; normalize?: 'zscore' | 'unit' | 'none'; size?: string; overlays: boolean }, io: CliIo): Promise<number> {
  try {
    const { opened, model } = await openModel(reference, options);
    const predictor = await tool<PredictTool>(opened, TOOL_IDS.predict);
    const data = opened.manifest.data ? await opened.resolve<SegmentationData>('data') : undefined;
    const trainingSize = data ? ([data.inputSize[0], data.inputSize[1]] as [number, number]) : undefined;
    // The run's own preprocessing (its normalization statistics, channels, size) unless the user overrides it.
    const ownPreprocessing = data?.preprocessImageFile && options.normalize === undefined && options.size === undefined;
    let samples: Sample[];
    if (ownPreprocessing) {
      samples = [];
      for (const file of images) samples.push(await data.preprocessImageFile!(file));
    } else {
      const size = options.size ? parseSize(options.size) : trainingSize;
      if (!size) {
        io.err('error GF_OVERRIDE_INVALID: give --size HxW: the run has no data entry to take the input size from\n');
        return 2;
      }
      samples = await predictor.loadImages(images, { channels: model.inChannels, size, normalize: options.normalize ?? 'zscore' });
    }
    const written = await predictor.predict(model, samples, { outDir: path.resolve(options.out), overlays: options.overlays, inference: inferenceFrom(options), ...(trainingSize ? { trainingSize } : {}) });
    if (options.json) io.out(`${JSON.stringify(written, null, 2)}\n`);
    else for (const f of written) io.out(`${f.id}: ${f.mask}${f.overlay ? ` (overlay ${f.overlay})` : ''}\n`);
    return 0;
  } catch (e) {
    return reportError(e, io, options.json);
  }
}
