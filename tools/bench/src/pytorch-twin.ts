import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { forwardFlops, type UNetConfig } from './reference-unet';
import { median } from './stats';
import { phase, type EngineResult } from './bench-result';

/**
 * Interpreters tried for `import torch`, in order. Debian's python3-torch lives in the system Python
 * (/usr/bin/python3), which is often NOT the `python3` first on PATH (pyenv, venvs).
 */
export function pythonCandidates(): string[] {
  const fromEnv = process.env['GRAPHFLOW_PYTHON'];
  return [...(fromEnv ? [fromEnv] : []), '/usr/bin/python3', 'python3', 'python'];
}

export function findTorchPython(): { python: string; version: string } | { python: null; tried: string[] } {
  const tried: string[] = [];
  for (const python of pythonCandidates()) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python, version: r.stdout.trim() };
    tried.push(python);
  }
  return { python: null, tried };
}

/** Runs one twin script; its JSON result is the last stdout line. A failure is the last lines of its stderr. */
export function runTorchScript<T>(python: string, script: string, args: readonly string[]): { out: T } | { note: string } {
  const r = spawnSync(python, [path.join(__dirname, '..', '..', 'python', script), ...args], { encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 16 * 2 ** 20 });
  if (r.status !== 0) return { note: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-3).join(' ') };
  return { out: JSON.parse(r.stdout.trim().split('\n').pop()!) as T };
}

export function runPytorchTwin(config: UNetConfig, o: { warmup: number; iterations: number; threads: number }): EngineResult {
  const found = findTorchPython();
  if (found.python === null) {
    return {
      engine: 'pytorch', version: '-', threads: o.threads, status: 'skipped',
      note: `no Python with torch found (tried ${found.tried.join(', ')}); on Debian: apt-get install python3-torch, or set GRAPHFLOW_PYTHON`,
    };
  }
  const args = ['--size', String(config.size), '--base', String(config.base), '--batch', String(config.batch),
    '--iterations', String(o.iterations), '--warmup', String(o.warmup), '--threads', String(o.threads)];
  const r = runTorchScript<{ version: string; threads: number; trainMs: number[]; inferenceMs: number[]; lastLoss: number; peakRssMiB: number }>(found.python, 'unet_bench.py', args);
  if ('note' in r) return { engine: 'pytorch', version: found.version, threads: o.threads, status: 'failed', note: r.note };
  const out = r.out;
  const fwd = forwardFlops(config);
  return {
    engine: 'pytorch',
    version: out.version,
    threads: out.threads,
    status: 'ok',
    note: `${found.python}`,
    train: phase(out.trainMs, config.batch, 3 * fwd, median),
    inference: phase(out.inferenceMs, config.batch, fwd, median),
    peakRssMiB: Math.round(out.peakRssMiB),
    lastLoss: Math.round(out.lastLoss * 1e4) / 1e4,
  };
}
