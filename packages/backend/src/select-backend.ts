import { GraphFlowError, type BackendInfo, type ComputeBackend, type ComputePrecision } from '@graphflow/core';
import { chooseBackend, type BackendLogger } from '@graphflow/core/host';
import { BUILTIN_BACKENDS } from './builtin-backends';
import { kernelCoverage, TRAINING_KERNELS } from './kernels/training-kernels';

export type { BackendLogger } from '@graphflow/core/host';

export interface SelectBackendOptions {
  /** Threads for backends that take a count (wasm); default: all cores. */
  threads?: number;
  /** float32 (default) or bfloat16 (native on CPUs with bf16 units; see ComputePrecision). */
  precision?: ComputePrecision;
  /** Candidates (e.g. every registered `backend/*` component); default: the built-in five. */
  candidates?: readonly ComputeBackend[];
  /** Where the choice came from, for error locations (e.g. the manifest file). */
  file?: string;
}

const silent: BackendLogger = { info: () => undefined, warn: () => undefined };

/**
 * Activates a compute backend without a registry (scripts, tests, `doctor`): core's chooseBackend policy over the
 * built-in backends (tfjs-node-gpu → tfjs-node → native → wasm → cpu under `auto`), with the training-kernel coverage
 * of the tfjs backend it activated in `details.missingKernels` (use assertTrainingKernels to make a gap fatal).
 */
export function selectBackend(choice: 'auto' | string, logger: BackendLogger = silent, options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const { candidates = BUILTIN_BACKENDS, ...rest } = options;
  return chooseBackend(candidates, choice, logger, { ...rest, coverage: (info) => kernelCoverage(info.tfBackend) });
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
