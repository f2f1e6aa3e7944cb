import { defineComponent, type ComponentDefinition, type JsonSchema } from '@graphflow/core';
import type { Schedule } from '@graphflow/core';
import { constantSchedule, cosineSchedule, polySchedule, stepSchedule, type WarmupOptions } from './schedule';

const warmupProperties: Record<string, JsonSchema> = {
  warmupSteps: { type: 'integer', minimum: 0, default: 0, description: 'Updates of linear warm-up before the decay starts.' },
  warmupStartFactor: { type: 'number', minimum: 0, maximum: 1, default: 0.1, description: 'Multiplier at the first warm-up update.' },
};
const minFactor: JsonSchema = { type: 'number', minimum: 0, maximum: 1, default: 0, description: 'Multiplier reached at the end of training.' };

export interface PolyOptions extends WarmupOptions {
  power: number;
  minFactor: number;
}
export interface CosineOptions extends WarmupOptions {
  minFactor: number;
}
export interface StepOptions extends WarmupOptions {
  gamma: number;
  stepSize: number;
  milestones: number[];
}

export const polyComponent: ComponentDefinition<PolyOptions, Schedule> = defineComponent<PolyOptions, Schedule>({
  kind: 'schedule',
  name: 'poly',
  description: 'Polynomial decay (1 − t/T)^power, power 0.9 as in the paper; optional warm-up.',
  docs: 'multiplier(t) = minFactor + (1 − minFactor)·(1 − t/T)^power over the updates after warm-up. Used for the learning rate, or for a loss weight via `weightSchedule`.',
  schema: { type: 'object', additionalProperties: false, properties: { power: { type: 'number', exclusiveMinimum: 0, default: 0.9, description: 'Decay exponent.' }, minFactor, ...warmupProperties } },
  create: (o) => polySchedule(o.power, o.minFactor, o),
});

export const cosineComponent: ComponentDefinition<CosineOptions, Schedule> = defineComponent<CosineOptions, Schedule>({
  kind: 'schedule',
  name: 'cosine',
  description: 'Half-cosine decay to minFactor; optional warm-up.',
  schema: { type: 'object', additionalProperties: false, properties: { minFactor, ...warmupProperties } },
  create: (o) => cosineSchedule(o.minFactor, o),
});

export const stepComponent: ComponentDefinition<StepOptions, Schedule> = defineComponent<StepOptions, Schedule>({
  kind: 'schedule',
  name: 'step',
  description: 'Multiply by gamma every stepSize updates (or at milestones); optional warm-up.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      gamma: { type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'Factor applied at each drop.' },
      stepSize: { type: 'integer', minimum: 1, default: 1000, description: 'Updates between drops (ignored when milestones are given).' },
      milestones: { type: 'array', items: { type: 'integer', minimum: 1 }, default: [], description: 'Updates (after warm-up) at which to drop, ascending.' },
      ...warmupProperties,
    },
  },
  rules: (o) =>
    o.milestones.some((m, i) => i > 0 && m <= o.milestones[i - 1]!) ? [{ pointer: '/milestones', message: 'milestones must be strictly ascending', expected: 'ascending integers' }] : [],
  create: (o) => stepSchedule(o.gamma, o.stepSize, o.milestones, o),
});

export const constantComponent: ComponentDefinition<WarmupOptions, Schedule> = defineComponent<WarmupOptions, Schedule>({
  kind: 'schedule',
  name: 'constant',
  description: 'Constant multiplier 1 (after an optional warm-up).',
  schema: { type: 'object', additionalProperties: false, properties: { ...warmupProperties } },
  create: (o) => constantSchedule(o),
});
