import { COMPUTE_PRECISIONS, type ComputePrecision } from '@graphflow/core';
import type { KernelTime } from './kernel-timer';

/** One engine's measurements of the reference U-Net; written to the JSON report as is. */
export interface EngineResult {
  engine: string;
  version: string;
  threads: number;
  status: 'ok' | 'skipped' | 'failed';
  note?: string;
  train?: PhaseResult;
  inference?: PhaseResult;
  peakRssMiB?: number;
  /** Per-kernel time of one training step (tfjs backends only), largest first. */
  trainKernels?: KernelTime[];
  /** Final loss after the timed steps, to show the step really trains. */
  lastLoss?: number;
}

export interface PhaseResult {
  iterations: number;
  medianMs: number;
  minMs: number;
  imagesPerSecond: number;
  effectiveGflops: number;
}

export function phase(samplesMs: number[], batch: number, flops: number, median: (v: number[]) => number): PhaseResult {
  const m = median(samplesMs);
  return {
    iterations: samplesMs.length,
    medianMs: round(m),
    minMs: round(Math.min(...samplesMs)),
    imagesPerSecond: round((batch * 1000) / m),
    effectiveGflops: round(flops / (m * 1e6)),
  };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Display name of a tfjs backend's row: `tfjs-wasm`, `tfjs-cpu`, `tfjs-node`, `tfjs-node-gpu`. */
export function tfjsEngineName(backend: string): string {
  const { name, precision } = parseBackendSpec(backend);
  const base = name.startsWith('tfjs-') ? name : `tfjs-${name}`;
  return precision === 'bfloat16' ? `${base}-bf16` : base;
}

/** The students mode's name for the PyTorch twin among its `--backends`. */
export const PYTORCH_ENGINE = 'pytorch';

/** A row's engine: `pytorch` for the twin, else the tfjs backend's display name. */
export function engineName(backend: string): string {
  return backend === PYTORCH_ENGINE ? PYTORCH_ENGINE : tfjsEngineName(backend);
}

/** A backend as the bench lists it: `native`, or `native:bfloat16` for that backend in another precision. */
export function parseBackendSpec(spec: string): { name: string; precision?: ComputePrecision } {
  const [name, precision] = spec.split(':');
  if (precision === undefined) return { name: name! };
  if (!(COMPUTE_PRECISIONS as readonly string[]).includes(precision)) throw new Error(`backend "${spec}": precision must be one of ${COMPUTE_PRECISIONS.join(', ')}`);
  return { name: name!, precision: precision as ComputePrecision };
}

/** A backend that is not installed, or cannot run the precision asked for, is a skip, not a failure. */
export function isSkip(note: string | undefined): boolean {
  return /not available here|cannot compute in \w+ here/.test(note ?? '');
}

/** activateBackend's options for a spec. */
export function activateOptions(spec: string, threads: number | undefined): { threads?: number; precision?: ComputePrecision } {
  const { precision } = parseBackendSpec(spec);
  return { ...(threads !== undefined ? { threads } : {}), ...(precision ? { precision } : {}) };
}
