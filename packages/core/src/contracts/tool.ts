import type { Metric, MetricValue } from './metric';
import type { Partition, Sample, SegmentationData } from './data';
import type { SegmentationModel } from './backbone';

/**
 * Contracts of `tool/*` components: what `graphflow eval | predict | export | data inspect` run on a trained model
 * or a dataset outside a pipeline. The CLI resolves them from the registry by these ids and names no plugin, so a
 * plugin may replace any of them (register the same id in a plugin loaded instead of the first-party one).
 * Options are empty objects; everything a call needs is its arguments.
 */
export const TOOL_IDS = {
  evaluate: 'tool/evaluate',
  predict: 'tool/predict',
  export: 'tool/export',
  inspectData: 'tool/inspect-data',
} as const;

/** What a metric table needs of one model's evaluation; the evaluate tool may return more. */
export interface ToolEvaluation {
  summary: Record<string, MetricValue>;
}

export interface EvaluateTool {
  /** Metric component ids used when the caller names none. */
  readonly defaultMetrics: readonly string[];
  evaluate(model: SegmentationModel, data: SegmentationData, options: {
    partition: Partition;
    metrics: readonly Metric[];
    batchSize: number;
    /** Whole-image or tiled inference options (stage/evaluate's `inference`); empty for the defaults. */
    inference: Record<string, unknown>;
  }): Promise<ToolEvaluation>;
  /** A Markdown table of several models' evaluations (as returned by `evaluate`), one row per model. */
  table(results: Record<string, ToolEvaluation>, metrics: readonly Metric[]): string;
}

export interface PredictedMask {
  id: string;
  mask: string;
  overlay?: string;
}

export interface PredictTool {
  /** Decodes image files into samples at `size` with `channels` channels, normalized as the model was trained. */
  loadImages(files: readonly string[], options: { channels: number; size: readonly [number, number]; normalize: 'zscore' | 'unit' | 'none' }): Promise<Sample[]>;
  /** Writes `<id>.mask.png` (and overlays) into `outDir`. */
  predict(model: SegmentationModel, samples: readonly Sample[], options: {
    outDir: string;
    overlays: boolean;
    inference: Record<string, unknown>;
    trainingSize?: readonly [number, number];
  }): Promise<PredictedMask[]>;
}

/** What the CLI prints of an export; the card written beside the model may hold more. */
export interface ExportedModelCard {
  architecture: string;
  params: number;
  /** `model.json` of a standalone tfjs model, when the backbone wrote one. */
  tfjsModel?: string;
}

export interface ExportTool {
  export(model: SegmentationModel, outDir: string, options: {
    inputSize: readonly [number, number];
    classNames?: readonly string[];
    preprocessing?: Record<string, unknown>;
  }): Promise<ExportedModelCard>;
}

export interface DataInspectionReport {
  numClasses: number;
  classNames: string[];
  channels: number;
  inputSize: [number, number];
  partitions: Record<string, { samples: number; groups: number; classPixelFrequency?: number[] }>;
  /** Original (file) sizes as "HxW" → number of samples. */
  imageSizes: Record<string, number>;
  skipped: { files: string[]; reason: string }[];
  /** Files written, relative to the output folder. */
  files: { report: string; contactSheet: string | null };
}

export interface InspectDataTool {
  inspect(data: SegmentationData, outDir: string, options: { samples: number }): Promise<DataInspectionReport>;
}
