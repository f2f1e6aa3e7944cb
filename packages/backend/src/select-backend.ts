import { GraphFlowError, unsupportedPrecision, type BackendInfo, type ComputeBackend, type ComputePrecision } from '@graphflow/core';
import { BACKEND_ALIASES, BUILTIN_BACKENDS } from './builtin-backends';
import { INSTALL_HINTS } from './backends/tfjs-node-backends';
import { kernelCoverage, TRAINING_KERNELS } from './kernels/training-kernels';

/** The part of a pino logger backend selection uses (a pino Logger fits). */
export interface BackendLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SelectBackendOptions {
  /** Threads for backends that take a count (wasm); default: all cores. */
  threads?: number;
  /** float32 (default) or bfloat16 (native on CPUs with bf16 units; see ComputePrecision). */
  precision?: ComputePrecision;
  /** Candidates (e.g. every registered `backend/*` component); default: the built-in four. */
  candidates?: readonly ComputeBackend[];
  /** Where the choice came from, for error locations (e.g. the manifest file). */
  file?: string;
}

const silent: BackendLogger = { info: () => undefined, warn: () => undefined };

function normalise(choice: string): string {
  const bare = choice.trim().replace(/^backend\//, '');
  return BACKEND_ALIASES[bare] ?? bare;
}

/**
 * Activates a compute backend and returns what is in use; logs the choice, version and thread count.
 *
 * `auto` tries candidates by priority (tfjs-node-gpu → tfjs-node → native → wasm → cpu) and never fails because an
 * optional one is missing: a backend that is unavailable or fails to start is logged and skipped. An
 * explicit choice that is unknown or unavailable throws GF_BACKEND_UNAVAILABLE naming what to install.
 * Training kernels missing on the chosen backend are logged as a warning and listed in
 * `details.missingKernels` (use assertTrainingKernels to make that fatal).
 */
export async function selectBackend(choice: 'auto' | string, logger: BackendLogger = silent, options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const candidates = [...(options.candidates ?? BUILTIN_BACKENDS)].sort((a, b) => b.priority - a.priority);
  const where = { pointer: '/backend', ...(options.file ? { file: options.file } : {}) };
  const activateOpts = { ...(options.threads !== undefined ? { threads: options.threads } : {}), ...(options.precision !== undefined ? { precision: options.precision } : {}) };
  let info: BackendInfo | undefined;
  const skipped: { name: string; reason: string }[] = [];
  if (normalise(choice) === 'auto') {
    for (const backend of candidates) {
      const probe = await backend.probe();
      if (!probe.available) {
        skipped.push({ name: backend.name, reason: probe.reason ?? 'unavailable' });
        continue;
      }
      const cannot = unsupportedPrecision(backend.name, probe, options.precision);
      if (cannot) {
        skipped.push({ name: backend.name, reason: cannot });
        continue;
      }
      try {
        info = await backend.activate(activateOpts);
        break;
      } catch (e) {
        skipped.push({ name: backend.name, reason: `failed to start: ${(e as Error).message}` });
        logger.warn({ backend: backend.name, err: (e as Error).message }, 'compute backend failed to start; trying the next one');
      }
    }
    if (!info) {
      throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', `no compute backend could start: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`, where);
    }
  } else {
    const name = normalise(choice);
    const backend = candidates.find((b) => b.name === name);
    if (!backend) {
      const known = ['auto', ...candidates.map((b) => b.name)].join(' | ');
      throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', `unknown compute backend "${choice}" (expected ${known})`, where);
    }
    const probe = await backend.probe();
    if (!probe.available) {
      const hint = INSTALL_HINTS[`@tensorflow/${name}`];
      const reason = probe.reason ?? 'unavailable';
      throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', `compute backend "${name}" is not available here: ${reason}${hint && !reason.includes(hint) ? `. To use it: ${hint}` : ''}`, where);
    }
    const cannot = unsupportedPrecision(name, probe, options.precision);
    if (cannot) throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', cannot, { ...where, pointer: '/backend/precision' });
    try {
      info = await backend.activate(activateOpts);
    } catch (e) {
      throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', `compute backend "${name}" failed to start: ${(e as Error).message}`, { ...where, cause: e });
    }
  }
  const coverage = kernelCoverage(info.tfBackend);
  const result: BackendInfo = { ...info, details: { ...info.details, missingKernels: coverage.missing, ...(skipped.length ? { skipped } : {}) } };
  logger.info({ backend: result.name, tfBackend: result.tfBackend, version: result.version, threads: result.threads, skipped }, `compute backend: ${result.name} ${result.version}, ${result.threads} thread(s)`);
  if (coverage.missing.length > 0) {
    logger.warn({ backend: result.name, missingKernels: coverage.missing }, `training kernels missing on ${result.name}: ${coverage.missing.join(', ')}`);
  }
  return result;
}

/** Convenience for tests and scripts: activate one backend by name (or `auto`) without logging. */
export function activateBackend(name: 'auto' | string, options: SelectBackendOptions = {}): Promise<BackendInfo> {
  return selectBackend(name, silent, options);
}

/**
 * Throws GF_BACKEND_KERNEL_MISSING, before any training work, when `kernels` are not all registered on the
 * active backend; call it at pipeline start with the kernels the run's models need.
 */
export function assertTrainingKernels(info: BackendInfo, kernels: readonly string[] = TRAINING_KERNELS, file?: string): void {
  const { missing } = kernelCoverage(info.tfBackend, kernels);
  if (missing.length === 0) return;
  throw new GraphFlowError(
    'GF_BACKEND_KERNEL_MISSING',
    `backend "${info.name}" lacks kernels needed for training: ${missing.join(', ')}; run \`graphflow doctor\` and pick a backend that has them (e.g. "wasm" or "cpu")`,
    { pointer: '/backend', ...(file ? { file } : {}) },
  );
}
