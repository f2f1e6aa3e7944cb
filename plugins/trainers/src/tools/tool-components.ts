import { defineComponent, type ComponentDefinition, type EvaluateTool, type ExportTool, type PredictTool } from '@graphflow/core';
import { evaluateModel, type EvaluationResult } from '../evaluation/evaluate-model';
import { evaluationTable } from '../evaluation/evaluation-report';
import { exportModel } from '../export/export-model';
import { loadImageFiles } from '../predict/image-files';
import { predictImages } from '../predict/predict-images';
import type { InferenceOptions } from '../inference/inference-options';

const NO_OPTIONS = { type: 'object', additionalProperties: false, properties: {} } as const;

/** The metrics `graphflow eval` reports unless told otherwise: the paper's four. */
const DEFAULT_METRICS = ['metric/dice', 'metric/iou', 'metric/accuracy', 'metric/hd95'] as const;

export const evaluateToolComponent: ComponentDefinition<Record<string, never>, EvaluateTool> = defineComponent<Record<string, never>, EvaluateTool>({
  kind: 'tool',
  name: 'evaluate',
  description: 'Evaluates a trained model on a data partition (what `graphflow eval` runs).',
  docs: 'Same inference and metric aggregation as stage/evaluate: per case, or per volume when samples carry slice indices. Default metrics: dice, iou, accuracy, hd95.',
  schema: NO_OPTIONS,
  create: () => ({
    defaultMetrics: DEFAULT_METRICS,
    evaluate: (model, data, o) => evaluateModel(model, data, { ...o, inference: o.inference as InferenceOptions }),
    table: (results, metrics) => evaluationTable(results as Record<string, EvaluationResult>, metrics),
  }),
});

export const predictToolComponent: ComponentDefinition<Record<string, never>, PredictTool> = defineComponent<Record<string, never>, PredictTool>({
  kind: 'tool',
  name: 'predict',
  description: 'Writes class-index mask PNGs (and overlays) for image files (what `graphflow predict` runs).',
  docs: 'Images are decoded with sharp and resized to the model input; inference is whole-image or tiled as stage/predict does.',
  schema: NO_OPTIONS,
  create: () => ({
    loadImages: (files, o) => loadImageFiles(files, o),
    predict: (model, samples, o) => predictImages(model, samples, { ...o, inference: o.inference as InferenceOptions }),
  }),
});

export const exportToolComponent: ComponentDefinition<Record<string, never>, ExportTool> = defineComponent<Record<string, never>, ExportTool>({
  kind: 'tool',
  name: 'export',
  description: 'Writes a self-contained model folder with its model card (what `graphflow export` runs).',
  docs: 'The backbone\'s own save() output (a standalone tfjs model.json where it has one, reloaded and checked) plus graphflow-model.json; published atomically, never over an existing folder.',
  schema: NO_OPTIONS,
  create: () => ({ export: (model, outDir, o) => exportModel(model, outDir, o) }),
});
