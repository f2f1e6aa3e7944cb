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
  return backend.startsWith('tfjs-') ? backend : `tfjs-${backend}`;
}
