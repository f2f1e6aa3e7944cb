import type { Optimizer } from '@graphflow/core';
import { defineComponent, type ComponentDefinition, type JsonSchema } from '@graphflow/core';
import { AdamOptimizer, type AdamOptions } from './adam';
import { SgdOptimizer, type SgdOptions } from './sgd';

const lr = (value: number): JsonSchema => ({ type: 'number', exclusiveMinimum: 0, default: value, description: 'Base learning rate (a schedule multiplies it per update).' });

const adamProperties = (weightDecay: number, decayText: string): Record<string, JsonSchema> => ({
  lr: lr(1e-3),
  beta1: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.9, description: 'Decay of the first-moment (mean) estimate.' },
  beta2: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.999, description: 'Decay of the second-moment (uncentered variance) estimate.' },
  epsilon: { type: 'number', exclusiveMinimum: 0, default: 1e-7, description: 'Added to the denominator for numerical stability (1e-7: float32-safe).' },
  weightDecay: { type: 'number', minimum: 0, default: weightDecay, description: decayText },
});

export const adamComponent: ComponentDefinition<AdamOptions, Optimizer> = defineComponent<AdamOptions, Optimizer>({
  kind: 'optimizer',
  name: 'adam',
  description: 'Adam with bias correction; optional L2 penalty through the gradient.',
  docs: 'Kingma & Ba (2015). m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; w ← w − lr·m̂/(√v̂ + ε). `weightDecay` adds wd·w to g (coupled L2); use optimizer/adamw for decoupled decay. State (m, v, step count) is checkpointed exactly.',
  schema: { type: 'object', additionalProperties: false, properties: adamProperties(0, 'L2 penalty coefficient added to the gradient (coupled).') },
  create: (o) => new AdamOptimizer(o, false),
});

export const adamwComponent: ComponentDefinition<AdamOptions, Optimizer> = defineComponent<AdamOptions, Optimizer>({
  kind: 'optimizer',
  name: 'adamw',
  description: 'AdamW: Adam with decoupled weight decay.',
  docs: 'Loshchilov & Hutter (2019). Like optimizer/adam, but the decay is applied to the weights directly: w ← w − lr·(m̂/(√v̂ + ε) + wd·w), so it is not rescaled by the adaptive denominator.',
  schema: { type: 'object', additionalProperties: false, properties: adamProperties(0.01, 'Decoupled weight decay coefficient (multiplied by the scheduled lr).') },
  create: (o) => new AdamOptimizer(o, true),
});

export const sgdComponent: ComponentDefinition<SgdOptions, Optimizer> = defineComponent<SgdOptions, Optimizer>({
  kind: 'optimizer',
  name: 'sgd',
  description: 'SGD with (Nesterov) momentum and weight decay — the paper’s optimizer.',
  docs: 'buf ← μ·buf + (g + wd·w); w ← w − lr·buf (Nesterov: w ← w − lr·(g + wd·w + μ·buf)). The paper trains with momentum 0.9, weight decay 1e-4 and poly decay.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      lr: lr(0.01),
      momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.9, description: 'Momentum factor μ (0 = plain SGD).' },
      nesterov: { type: 'boolean', default: false, description: 'Use Nesterov momentum.' },
      weightDecay: { type: 'number', minimum: 0, default: 1e-4, description: 'L2 penalty coefficient added to the gradient.' },
    },
  },
  rules: (o) => (o.nesterov && o.momentum === 0 ? [{ pointer: '/nesterov', message: 'Nesterov momentum needs momentum > 0', expected: 'momentum > 0' }] : []),
  create: (o) => new SgdOptimizer(o),
});
