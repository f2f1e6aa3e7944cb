import { defineComponent, type ComponentDefinition, type Metric } from '@graphflow/core';
import { AccuracyMetric } from './accuracy';
import { DiceMetric } from './dice';
import { Hd95Metric } from './hd95';
import { IouMetric } from './iou';

const noOptions = { type: 'object', additionalProperties: false, properties: {} };

export const diceComponent: ComponentDefinition<Record<string, never>, Metric> = defineComponent<Record<string, never>, Metric>({
  kind: 'metric',
  name: 'dice',
  description: 'Dice similarity coefficient per class and mean over foreground classes.',
  docs: 'Dice = 2|P∩G|/(|P|+|G|). A class absent from both prediction and target is NaN and left out of means.',
  schema: noOptions,
  create: () => new DiceMetric(),
});

export const iouComponent: ComponentDefinition<Record<string, never>, Metric> = defineComponent<Record<string, never>, Metric>({
  kind: 'metric',
  name: 'iou',
  description: 'Intersection over union per class; its mean is mIoU.',
  schema: noOptions,
  create: () => new IouMetric(),
});

export const accuracyComponent: ComponentDefinition<Record<string, never>, Metric> = defineComponent<Record<string, never>, Metric>({
  kind: 'metric',
  name: 'accuracy',
  description: 'Pixel accuracy (mean = overall fraction correct; per class = recall).',
  schema: noOptions,
  create: () => new AccuracyMetric(),
});

export const hd95Component: ComponentDefinition<{ percentile: number }, Metric> = defineComponent<{ percentile: number }, Metric>({
  kind: 'metric',
  name: 'hd95',
  description: '95th-percentile Hausdorff distance (exact EDT), in pixels or physical units; 2-D and 3-D.',
  docs:
    'Pooled surface-to-surface distances (MedPy convention: surface = mask XOR its erosion, image edge counts as background) from an exact Felzenszwalb–Huttenlocher distance transform, with the data spacing when known. Class absent from both masks → NaN (excluded); absent from exactly one → the image diagonal (worst case).',
  schema: { type: 'object', additionalProperties: false, properties: { percentile: { type: 'number', minimum: 0, maximum: 100, default: 95, description: 'Percentile of the pooled distances (100 = classic Hausdorff).' } } },
  create: (o) => new Hd95Metric(o.percentile),
});
