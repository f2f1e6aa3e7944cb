import { GraphFlowError, type Metric, type MetricValue, type Partition, type Sample, type SegmentationData, type SegmentationModel } from '@graphflow/core';
import { aggregateMetric } from './aggregate';
import { predictSamples } from './predict-batch';

export interface CaseResult {
  /** Sample id (2-D case) or group (volume). */
  id: string;
  group: string;
  metrics: Record<string, MetricValue>;
}

export interface EvaluationResult {
  partition: Partition;
  classNames: string[];
  cases: CaseResult[];
  /** Present when samples carry `sliceIndex`: one entry per group, metrics on the stacked [D,H,W] volume. */
  volumes?: CaseResult[];
  /** Aggregate over volumes when there are any (the paper's per-patient convention), else over 2-D cases. */
  summary: Record<string, MetricValue>;
  /** What `summary` averages: `volume` or `case`. */
  unit: 'volume' | 'case';
}

export interface EvaluateOptions {
  partition: Partition;
  metrics: readonly Metric[];
  batchSize: number;
  /** Called for every sample with its prediction (overlays, mask files). */
  onPrediction?: (sample: Sample, prediction: Uint8Array) => void | Promise<void>;
  /** Spacing between slices for 3-D metrics when a sample's `meta.sliceSpacing` is absent (default 1). */
  sliceSpacing?: number;
}

interface VolumeSlices {
  group: string;
  slices: { index: number; prediction: Uint8Array; target: Uint8Array; height: number; width: number; spacing?: [number, number]; sliceSpacing?: number }[];
}

/**
 * Runs `model` over a partition in inference mode and computes every metric per 2-D case and, for volume datasets
 * (samples with `sliceIndex`), per volume in 3-D with spacing [slice, row, col].
 */
export async function evaluateModel(model: SegmentationModel, data: SegmentationData, options: EvaluateOptions): Promise<EvaluationResult> {
  const cases: CaseResult[] = [];
  const volumes = new Map<string, VolumeSlices>();
  let pending: Sample[] = [];

  const flush = async () => {
    if (pending.length === 0) return;
    const predictions = predictSamples(model, pending);
    for (let i = 0; i < pending.length; i++) {
      const sample = pending[i]!;
      const prediction = predictions[i]!;
      const target = sample.mask!;
      const shape = [sample.height, sample.width];
      const metrics: Record<string, MetricValue> = {};
      for (const m of options.metrics) {
        metrics[m.name] = m.compute({ prediction, target, shape, numClasses: data.numClasses, ...(sample.spacing ? { spacing: sample.spacing } : {}) });
      }
      cases.push({ id: sample.id, group: sample.group, metrics });
      if (sample.sliceIndex !== undefined) {
        const vol = volumes.get(sample.group) ?? { group: sample.group, slices: [] };
        const sliceSpacing = typeof sample.meta?.['sliceSpacing'] === 'number' ? (sample.meta['sliceSpacing'] as number) : undefined;
        vol.slices.push({ index: sample.sliceIndex, prediction, target, height: sample.height, width: sample.width, ...(sample.spacing ? { spacing: sample.spacing } : {}), ...(sliceSpacing !== undefined ? { sliceSpacing } : {}) });
        volumes.set(sample.group, vol);
      }
      await options.onPrediction?.(sample, prediction);
    }
    pending = [];
  };

  for await (const sample of data.samples(options.partition)) {
    if (!sample.mask) {
      throw new GraphFlowError('GF_DATA_INVALID', `sample ${sample.id} of the ${options.partition} split has no mask, so it cannot be evaluated`, { pointer: '/options/partition' });
    }
    if (pending.length > 0 && (pending[0]!.height !== sample.height || pending[0]!.width !== sample.width)) await flush();
    pending.push(sample);
    if (pending.length >= options.batchSize) await flush();
  }
  await flush();
  if (cases.length === 0) {
    throw new GraphFlowError('GF_DATA_INVALID', `the ${options.partition} split is empty; nothing to evaluate`, { pointer: '/options/partition' });
  }

  let volumeResults: CaseResult[] | undefined;
  if (volumes.size > 0) {
    volumeResults = [...volumes.values()].map((vol) => volumeResult(vol, options, data.numClasses));
  }
  const basis = volumeResults ?? cases;
  const summary: Record<string, MetricValue> = {};
  for (const m of options.metrics) summary[m.name] = aggregateMetric(m.name, basis.map((c) => c.metrics[m.name]!));
  return {
    partition: options.partition,
    classNames: [...data.classNames],
    cases,
    ...(volumeResults ? { volumes: volumeResults } : {}),
    summary,
    unit: volumeResults ? 'volume' : 'case',
  };
}

function volumeResult(vol: VolumeSlices, options: EvaluateOptions, numClasses: number): CaseResult {
  const slices = [...vol.slices].sort((a, b) => a.index - b.index);
  const { height, width } = slices[0]!;
  if (slices.some((s) => s.height !== height || s.width !== width)) {
    throw new GraphFlowError('GF_DATA_INVALID', `volume ${vol.group}: slices differ in size, cannot evaluate it in 3-D`);
  }
  const plane = height * width;
  const prediction = new Uint8Array(slices.length * plane);
  const target = new Uint8Array(slices.length * plane);
  slices.forEach((s, i) => {
    prediction.set(s.prediction, i * plane);
    target.set(s.target, i * plane);
  });
  const first = slices[0]!;
  const spacing = first.spacing ? [first.sliceSpacing ?? options.sliceSpacing ?? 1, first.spacing[0], first.spacing[1]] : undefined;
  const metrics: Record<string, MetricValue> = {};
  for (const m of options.metrics) {
    metrics[m.name] = m.compute({ prediction, target, shape: [slices.length, height, width], numClasses, ...(spacing ? { spacing } : {}) });
  }
  return { id: vol.group, group: vol.group, metrics };
}

/** The flat numbers a training stage monitors: `<metric>` = its mean, `<metric>/<class>` per class. */
export function flattenSummary(result: EvaluationResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(result.summary)) {
    out[name] = value.mean;
    value.perClass.forEach((v, c) => {
      out[`${name}/${result.classNames[c] ?? c}`] = v;
    });
  }
  return out;
}
