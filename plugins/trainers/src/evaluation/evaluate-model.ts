import { GraphFlowError, type Metric, type MetricValue, type Partition, type Sample, type SegmentationData, type SegmentationModel } from '@graphflow/core';
import type { InferenceHealth, InferenceProfile } from '../inference/image-array';
import { assertFiniteOutputs, inferClasses, inferenceGroups } from '../inference/infer-samples';
import { resolveInference, type InferenceOptions } from '../inference/inference-options';
import { aggregateMetric } from './aggregate';

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
  /** Whole-image or tiled inference (defaults: `auto`, tile = the data's training input size; see InferenceOptions). */
  inference?: InferenceOptions;
  /** Filled with time spent per part (inference, and `metrics` keyed by metric name, in ms). */
  profile?: EvaluationProfile;
  /**
   * Counts images on which the model's logits were NaN/±Infinity (their predictions are meaningless). Without it such
   * logits are GF_WEIGHTS_NOT_FINITE at once; with it the caller decides (a training loop's validation stops).
   */
  health?: InferenceHealth;
}

export interface EvaluationProfile extends InferenceProfile {
  metricMs: Record<string, number>;
}

interface VolumeSlices {
  group: string;
  slices: { index: number; prediction: Uint8Array; target: Uint8Array; roi?: Uint8Array; height: number; width: number; spacing?: [number, number]; sliceSpacing?: number }[];
}

/**
 * Runs `model` over a partition in inference mode — whole images, or tiles when they are larger than the training
 * input size (see `inference`) — and computes every metric inside each sample's roi, per 2-D case and, for volume
 * datasets (samples with `sliceIndex`), per volume in 3-D with spacing [slice, row, col].
 */
export async function evaluateModel(model: SegmentationModel, data: SegmentationData, options: EvaluateOptions): Promise<EvaluationResult> {
  const cases: CaseResult[] = [];
  const volumes = new Map<string, VolumeSlices>();
  const inference = resolveInference(options.inference, data.inputSize);
  const profile = options.profile;

  const evaluate = async (group: Sample[]) => {
    // Tiles entirely outside a sample's roi are not run: every metric leaves those pixels out.
    const health = options.health ?? { nonFiniteImages: 0 };
    const predictions = inferClasses(model, group, inference, profile, true, health);
    if (!options.health) assertFiniteOutputs(model, health, `evaluating the ${options.partition} split`);
    for (let i = 0; i < group.length; i++) {
      const sample = group[i]!;
      const prediction = predictions[i]!;
      const target = sample.mask!;
      const shape = [sample.height, sample.width];
      const metrics: Record<string, MetricValue> = {};
      for (const m of options.metrics) {
        const t0 = profile ? performance.now() : 0;
        metrics[m.name] = m.compute({ prediction, target, shape, numClasses: data.numClasses, ...(sample.roi ? { roi: sample.roi } : {}), ...(sample.spacing ? { spacing: sample.spacing } : {}) });
        if (profile) profile.metricMs[m.name] = (profile.metricMs[m.name] ?? 0) + performance.now() - t0;
      }
      cases.push({ id: sample.id, group: sample.group, metrics });
      if (sample.sliceIndex !== undefined) {
        const vol = volumes.get(sample.group) ?? { group: sample.group, slices: [] };
        const sliceSpacing = typeof sample.meta?.['sliceSpacing'] === 'number' ? (sample.meta['sliceSpacing'] as number) : undefined;
        vol.slices.push({
          index: sample.sliceIndex,
          prediction,
          target,
          height: sample.height,
          width: sample.width,
          ...(sample.roi ? { roi: sample.roi } : {}),
          ...(sample.spacing ? { spacing: sample.spacing } : {}),
          ...(sliceSpacing !== undefined ? { sliceSpacing } : {}),
        });
        volumes.set(sample.group, vol);
      }
      await options.onPrediction?.(sample, prediction);
    }
  };

  for await (const group of inferenceGroups(checkedMasks(data, options.partition), options.batchSize, inference)) await evaluate(group);
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
  // A slice without a region of interest counts everywhere.
  const roi = slices.some((s) => s.roi) ? new Uint8Array(slices.length * plane).fill(1) : undefined;
  slices.forEach((s, i) => {
    prediction.set(s.prediction, i * plane);
    target.set(s.target, i * plane);
    if (roi && s.roi) roi.set(s.roi, i * plane);
  });
  const first = slices[0]!;
  const spacing = first.spacing ? [first.sliceSpacing ?? options.sliceSpacing ?? 1, first.spacing[0], first.spacing[1]] : undefined;
  const metrics: Record<string, MetricValue> = {};
  for (const m of options.metrics) {
    metrics[m.name] = m.compute({ prediction, target, shape: [slices.length, height, width], numClasses, ...(roi ? { roi } : {}), ...(spacing ? { spacing } : {}) });
  }
  return { id: vol.group, group: vol.group, metrics };
}

/** The partition's samples, failing on the first one without a mask (it cannot be evaluated). */
async function* checkedMasks(data: SegmentationData, partition: Partition): AsyncIterable<Sample> {
  for await (const sample of data.samples(partition)) {
    if (!sample.mask) {
      throw new GraphFlowError('GF_DATA_INVALID', `sample ${sample.id} of the ${partition} split has no mask, so it cannot be evaluated`, { pointer: '/options/partition' });
    }
    yield sample;
  }
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
