import type { Logger } from 'pino';
import type { DependencyContainer } from 'tsyringe';
import { GraphFlowError } from '../errors/graphflow-error';
import { unsupportedPrecision, type BackendInfo, type ComputeBackend, type ComputePrecision } from '../contracts/backend';
import type { Registry } from '../registry/registry';

/**
 * The backend a command runs on: a `--backend` name replaces the manifest's name but keeps its threads and precision.
 */
export function backendChoice(override: string | undefined, manifest: string | { name: string; threads?: number; precision?: ComputePrecision }): string | { name: string; threads?: number; precision?: ComputePrecision } {
  if (override === undefined) return manifest;
  return typeof manifest === 'string' ? override : { ...manifest, name: override };
}

/**
 * Activate the compute backend a run asked for. `auto` probes every registered `backend/*` component by
 * descending priority and takes the first available one, so a missing optional backend never fails `auto`;
 * an explicit name that is not available fails with the component's own explanation (what to install).
 */
export async function selectBackend(
  registry: Registry,
  choice: string | { name: string; threads?: number; precision?: ComputePrecision },
  container: DependencyContainer,
  logger: Logger,
): Promise<BackendInfo | undefined> {
  const name = typeof choice === 'string' ? choice : choice.name;
  const threads = typeof choice === 'string' ? undefined : choice.threads;
  const precision = typeof choice === 'string' ? undefined : choice.precision;
  const registered = registry.list('backend');
  if (registered.length === 0) {
    logger.debug('no backend plugin loaded; leaving TensorFlow.js on its default backend');
    return undefined;
  }
  const build = async (id: string): Promise<ComputeBackend> => {
    const component = registry.require(id);
    const ctx = {
      logger: logger.child({ component: id }),
      container,
      path: 'backend',
      resolve: () => Promise.reject(new Error('backends cannot resolve references')),
      build: () => Promise.reject(new Error('backends cannot build components')),
    };
    return (await component.definition.create({}, ctx)) as ComputeBackend;
  };
  const activateOptions = { ...(threads !== undefined ? { threads } : {}), ...(precision !== undefined ? { precision } : {}) };
  if (name !== 'auto') {
    const backend = await build(`backend/${name}`);
    const probe = await backend.probe();
    if (!probe.available) {
      throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', `backend "${name}" is not available here: ${probe.reason ?? 'unknown reason'}`, { pointer: '/backend' });
    }
    const cannot = unsupportedPrecision(name, probe, precision);
    if (cannot) throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', cannot, { pointer: '/backend/precision' });
    return report(await backend.activate(activateOptions), logger, 'requested', [], backend);
  }
  const candidates = await Promise.all(registered.map((c) => build(c.id)));
  candidates.sort((a, b) => b.priority - a.priority);
  const skipped: string[] = [];
  for (const backend of candidates) {
    const probe = await backend.probe();
    if (!probe.available) {
      skipped.push(`${backend.name}: ${probe.reason ?? 'unavailable'}`);
      continue;
    }
    const cannot = unsupportedPrecision(backend.name, probe, precision);
    if (cannot) {
      skipped.push(`${backend.name}: ${cannot}`);
      continue;
    }
    try {
      return report(await backend.activate(activateOptions), logger, 'auto', skipped, backend);
    } catch (e) {
      skipped.push(`${backend.name}: failed to start (${(e as Error).message})`);
    }
  }
  throw new GraphFlowError('GF_BACKEND_UNAVAILABLE', `no compute backend could start: ${skipped.join('; ')}`);
}

function report(info: BackendInfo, logger: Logger, how: string, skipped: string[], backend: ComputeBackend): BackendInfo {
  // Missing kernels are reported before any stage starts; the first op that needs one would fail later anyway.
  const coverage = backend.kernelCoverage?.();
  if (coverage && coverage.missing.length > 0) {
    logger.warn({ code: 'GF_BACKEND_KERNEL_MISSING', backend: info.name, missing: coverage.missing }, `backend ${info.name} lacks training kernels: ${coverage.missing.join(', ')} (see graphflow doctor)`);
  }
  const precision = info.precision ?? 'float32';
  logger.info({ backend: info.name, tfBackend: info.tfBackend, version: info.version, threads: info.threads, precision, how, skipped }, `backend ${info.name} (${info.tfBackend} ${info.version}, ${info.threads} thread${info.threads === 1 ? '' : 's'}${precision === 'float32' ? '' : `, ${precision}`})`);
  return info;
}
