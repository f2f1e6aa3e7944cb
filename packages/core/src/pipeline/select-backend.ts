import type { Logger } from 'pino';
import type { DependencyContainer } from 'tsyringe';
import { GraphFlowError } from '../errors/graphflow-error';
import { unsupportedPrecision, type BackendInfo, type ComputeBackend, type ComputePrecision, type KernelCoverage } from '../contracts/backend';
import type { Registry } from '../registry/registry';

/** The part of a logger backend selection writes to (a pino Logger fits). */
export interface BackendLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ChooseBackendOptions {
  /** Threads for backends that take a count; default: the backend's own (all cores). */
  threads?: number;
  /** float32 (default) or bfloat16 (only where a backend's probe declares it). */
  precision?: ComputePrecision;
  /** Where the choice came from, for error locations (e.g. the manifest file). */
  file?: string;
  /** Training kernels of the activated backend (default: the backend's own kernelCoverage()). */
  coverage?: (info: BackendInfo, backend: ComputeBackend) => KernelCoverage | undefined;
}

export type BackendChoice = string | { name: string; threads?: number; precision?: ComputePrecision };

/**
 * The backend a command runs on: a `--backend` name replaces the manifest's name but keeps its threads and precision.
 */
export function backendChoice(override: string | undefined, manifest: BackendChoice): BackendChoice {
  if (override === undefined) return manifest;
  return typeof manifest === 'string' ? override : { ...manifest, name: override };
}

/**
 * The one backend policy, over a list of candidates. `auto` probes them by descending priority and activates the
 * first available one that can compute in the asked precision; one that is missing or fails to start is skipped
 * with its reason (a missing optional backend never fails `auto`). An explicit name (or alias, or `backend/<name>`)
 * that is unknown, unavailable or cannot start is GF_BACKEND_UNAVAILABLE with the backend's own explanation (what to
 * install). Training kernels missing on the chosen backend are a warning and `details.missingKernels`.
 */
export async function chooseBackend(candidates: readonly ComputeBackend[], choice: string, logger: BackendLogger, options: ChooseBackendOptions = {}): Promise<BackendInfo> {
  const ordered = [...candidates].sort((a, b) => b.priority - a.priority);
  const where = { pointer: '/backend', ...(options.file !== undefined ? { file: options.file } : {}) };
  const activateOptions = { ...(options.threads !== undefined ? { threads: options.threads } : {}), ...(options.precision !== undefined ? { precision: options.precision } : {}) };
  const bare = choice.trim().replace(/^backend\//, '');
  const skipped: { name: string; reason: string }[] = [];
  let chosen: { backend: ComputeBackend; info: BackendInfo } | undefined;
  if (bare === 'auto') {
    for (const backend of ordered) {
      const probe = await backend.probe();
      const cannot = probe.available ? unsupportedPrecision(backend.name, probe, options.precision) : probe.reason ?? 'unavailable';
      if (cannot !== undefined) {
        skipped.push({ name: backend.name, reason: cannot });
        continue;
      }
      try {
        chosen = { backend, info: await backend.activate(activateOptions) };
        break;
      } catch (e) {
        skipped.push({ name: backend.name, reason: `failed to start: ${(e as Error).message}` });
        logger.warn({ backend: backend.name, err: (e as Error).message }, 'compute backend failed to start; trying the next one');
      }
    }
    if (!chosen) throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', `no compute backend could start: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`, where);
  } else {
    const backend = ordered.find((b) => b.name === bare || (b.aliases ?? []).includes(bare));
    if (!backend) {
      throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', `unknown compute backend "${choice}" (expected ${['auto', ...ordered.map((b) => b.name)].join(' | ')})`, where);
    }
    const probe = await backend.probe();
    if (!probe.available) throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', `compute backend "${backend.name}" is not available here: ${probe.reason ?? 'unavailable'}`, where);
    const cannot = unsupportedPrecision(backend.name, probe, options.precision);
    if (cannot) throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', cannot, { ...where, pointer: '/backend/precision' });
    try {
      chosen = { backend, info: await backend.activate(activateOptions) };
    } catch (e) {
      throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', `compute backend "${backend.name}" failed to start: ${(e as Error).message}`, { ...where, cause: e });
    }
  }
  const { backend, info } = chosen;
  // Missing kernels are reported before any stage starts; the first op that needs one would fail later anyway.
  const missing = (options.coverage ? options.coverage(info, backend) : backend.kernelCoverage?.())?.missing ?? [];
  const result: BackendInfo = { ...info, details: { ...info.details, missingKernels: missing, ...(skipped.length ? { skipped } : {}) } };
  const precision = result.precision ?? 'float32';
  logger.info(
    { backend: result.name, tfBackend: result.tfBackend, version: result.version, threads: result.threads, precision, how: bare === 'auto' ? 'auto' : 'requested', skipped: skipped.map((s) => `${s.name}: ${s.reason}`) },
    `compute backend: ${result.name} (${result.tfBackend} ${result.version}, ${result.threads} thread${result.threads === 1 ? '' : 's'}${precision === 'float32' ? '' : `, ${precision}`})`,
  );
  if (missing.length > 0) {
    logger.warn({ code: 'GF_BACKEND_KERNEL_MISSING', backend: result.name, missing, missingKernels: missing }, `backend ${result.name} lacks training kernels: ${missing.join(', ')} (see graphflow doctor)`);
  }
  return result;
}

/**
 * Activate the compute backend a run asked for, among the registered `backend/*` components (chooseBackend's policy).
 * With no backend plugin loaded, TensorFlow.js stays on its default backend.
 */
export async function selectBackend(registry: Registry, choice: BackendChoice, container: DependencyContainer, logger: Logger): Promise<BackendInfo | undefined> {
  const registered = registry.list('backend');
  if (registered.length === 0) {
    logger.debug('no backend plugin loaded; leaving TensorFlow.js on its default backend');
    return undefined;
  }
  const candidates = await Promise.all(registered.map(async (component) => {
    const ctx = {
      logger: logger.child({ component: component.id }),
      container,
      path: 'backend',
      resolve: () => Promise.reject(new Error('backends cannot resolve references')),
      build: () => Promise.reject(new Error('backends cannot build components')),
    };
    return (await component.definition.create({}, ctx)) as ComputeBackend;
  }));
  const name = typeof choice === 'string' ? choice : choice.name;
  return chooseBackend(candidates, name, logger, {
    ...(typeof choice !== 'string' && choice.threads !== undefined ? { threads: choice.threads } : {}),
    ...(typeof choice !== 'string' && choice.precision !== undefined ? { precision: choice.precision } : {}),
  });
}
