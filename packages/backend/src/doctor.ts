import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo, ComputeBackend } from '@graphflow/core';
import { BUILTIN_BACKENDS } from './builtin-backends';
import { kernelCoverage, TRAINING_KERNELS_BY_FAMILY } from './kernels/training-kernels';
import { NATIVE_TF_BACKEND } from './kernels/native/native-kernel';
import { nativeKernelNames } from './kernels/native/register-native-kernels';
import { WASM_FASTER_KERNELS, WASM_TRAINING_KERNELS } from './kernels/wasm/wasm-training-kernels';
import { selectBackend } from './select-backend';

export interface DoctorBackendEntry {
  name: string;
  priority: number;
  available: boolean;
  reason?: string;
  /** Precisions it computes in here, when more than float32. */
  precisions?: readonly string[];
}

/** Training kernels of one model family on the selected backend; `native`: those the oneDNN addon runs. */
export interface FamilyCoverage {
  present: string[];
  missing: string[];
  native?: string[];
}

export interface DoctorReport {
  machine: { platform: string; arch: string; cpus: number; cpuModel: string; memoryGiB: number; node: string };
  tfjsVersion: string;
  /** Every candidate backend, highest priority first, with why it is unavailable. */
  backends: DoctorBackendEntry[];
  /** What `choice` resolved to, or null when it could not start (see `selectionError`). */
  selected: BackendInfo | null;
  selectionError?: string;
  /** Training-kernel presence on the selected backend, per model family. */
  kernels: { backend: string; families: Record<string, FamilyCoverage>; missing: string[] } | null;
  /** Kernels GraphFlow adds to wasm (composed from kernels wasm has). */
  graphflowWasmKernels: string[];
  /** wasm kernels GraphFlow replaces with faster compositions. */
  graphflowWasmReplacements: string[];
  /** True when every training kernel is present on the selected backend. */
  ok: boolean;
}

/**
 * Probes every backend, activates `choice` (default `auto`; `backend` is the CLI's spelling of the same
 * option) and reports kernel coverage for training.
 */
export async function runDoctor(
  options: { choice?: string; backend?: string; threads?: number; candidates?: readonly ComputeBackend[] } = {},
): Promise<DoctorReport> {
  const candidates = [...(options.candidates ?? BUILTIN_BACKENDS)].sort((a, b) => b.priority - a.priority);
  const backends: DoctorBackendEntry[] = [];
  for (const b of candidates) {
    const probe = await b.probe();
    backends.push({
      name: b.name, priority: b.priority, available: probe.available, ...(probe.reason ? { reason: probe.reason } : {}),
      ...(probe.precisions && probe.precisions.length > 1 ? { precisions: probe.precisions } : {}),
    });
  }
  let selected: BackendInfo | null = null;
  let selectionError: string | undefined;
  try {
    selected = await selectBackend(options.choice ?? options.backend ?? 'auto', undefined, { candidates, ...(options.threads !== undefined ? { threads: options.threads } : {}) });
  } catch (e) {
    selectionError = (e as Error).message;
  }
  let kernels: DoctorReport['kernels'] = null;
  if (selected) {
    const families: Record<string, FamilyCoverage> = {};
    const missing = new Set<string>();
    const native = selected.tfBackend === NATIVE_TF_BACKEND ? new Set(nativeKernelNames()) : undefined;
    for (const [family, names] of Object.entries(TRAINING_KERNELS_BY_FAMILY)) {
      const c = kernelCoverage(selected.tfBackend, names);
      families[family] = { present: c.present, missing: c.missing, ...(native ? { native: names.filter((n) => native.has(n)) } : {}) };
      c.missing.forEach((m) => missing.add(m));
    }
    kernels = { backend: selected.tfBackend, families, missing: [...missing].sort() };
  }
  const cpus = os.cpus();
  return {
    machine: {
      platform: process.platform,
      arch: process.arch,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
    },
    tfjsVersion: tf.version.tfjs,
    backends,
    selected,
    ...(selectionError ? { selectionError } : {}),
    kernels,
    graphflowWasmKernels: WASM_TRAINING_KERNELS.map((k) => k.kernelName),
    graphflowWasmReplacements: WASM_FASTER_KERNELS.map((k) => k.kernelName),
    ok: selected !== null && kernels !== null && kernels.missing.length === 0,
  };
}

/** Plain-text rendering of a DoctorReport for `graphflow doctor`. */
export function formatDoctorReport(report: DoctorReport): string {
  const m = report.machine;
  const lines: string[] = [
    `Machine: ${m.cpuModel}, ${m.cpus} CPU(s), ${m.memoryGiB} GiB, ${m.platform}/${m.arch}, Node ${m.node}, tfjs ${report.tfjsVersion}`,
    '',
    'Backends (auto tries them top to bottom):',
  ];
  for (const b of report.backends) {
    lines.push(`  ${b.available ? '✓' : '✗'} ${b.name.padEnd(14)} priority ${b.priority}${b.precisions ? `  (precision: ${b.precisions.join(' or ')}; set backend.precision)` : ''}${b.available ? '' : `  — ${b.reason ?? 'unavailable'}`}`);
  }
  lines.push('');
  if (report.selected) {
    const s = report.selected;
    lines.push(`Selected: ${s.name} (tfjs backend "${s.tfBackend}", version ${s.version}, ${s.threads} thread(s))`);
  } else {
    lines.push(`Selected: none — ${report.selectionError ?? 'no backend could start'}`);
  }
  if (report.kernels) {
    lines.push('', `Training kernels on "${report.kernels.backend}":`);
    for (const [family, c] of Object.entries(report.kernels.families)) {
      const total = c.present.length + c.missing.length;
      const native = c.native ? `  (${c.native.length} native${c.native.length ? `: ${c.native.join(', ')}` : ''}; the rest on wasm)` : '';
      lines.push(`  ${c.missing.length === 0 ? '✓' : '✗'} ${family.padEnd(12)} ${c.present.length}/${total}${c.missing.length ? `  missing: ${c.missing.join(', ')}` : ''}${native}`);
    }
  }
  if (report.selected?.tfBackend === NATIVE_TF_BACKEND) {
    const d = report.selected.details ?? {};
    lines.push('', `Native kernels (GraphFlow's addon: convolutions, matrix products and training batch norm on ${String(d['library'])} ${String(d['libraryVersion'])}, ISA ${String(d['isa'])}, ${String(d['cpuRuntime'])} threads; copies, pooling gradient, inference batch norm, Adam as own loops): ${nativeKernelNames().join(', ')}`);
  }
  lines.push('', `Kernels GraphFlow adds to wasm: ${report.graphflowWasmKernels.join(', ')}; replaces with faster ones: ${report.graphflowWasmReplacements.join(', ')}`);
  lines.push(report.ok ? 'OK: the selected backend can train every shipped model.' : 'PROBLEM: see the missing kernels / backend error above.');
  return lines.join('\n');
}
