/**
 * Contract of `backend/*` components: a TensorFlow.js backend (plus any kernels GraphFlow adds to it).
 * `auto` picks the available backend with the highest priority, so a faster kernel set ships as one more plugin.
 */
export interface BackendProbe {
  available: boolean;
  /** Why not, and what to install, when unavailable. */
  reason?: string;
  /** Precisions it can compute in here (absent: float32 only). */
  precisions?: readonly ComputePrecision[];
}

/**
 * float32 everywhere, or bfloat16: convolutions read inputs rounded to bfloat16 and accumulate and write float32
 * (mixed precision; weights, activations and optimizer state stay float32). Only where the CPU has bf16 units.
 */
export type ComputePrecision = 'float32' | 'bfloat16';
export const COMPUTE_PRECISIONS: readonly ComputePrecision[] = ['float32', 'bfloat16'];

export interface BackendActivateOptions {
  threads?: number;
  /** Default float32. */
  precision?: ComputePrecision;
}

/** Why `probe`'s backend cannot compute in `precision`, or undefined when it can. */
export function unsupportedPrecision(name: string, probe: BackendProbe, precision: ComputePrecision | undefined): string | undefined {
  if (precision === undefined || precision === 'float32') return undefined;
  const supported = probe.precisions ?? ['float32'];
  if (supported.includes(precision)) return undefined;
  return `backend "${name}" cannot compute in ${precision} here (it supports ${supported.join(', ')}); bfloat16 needs the native backend on a CPU with AVX512-BF16 or AMX`;
}

export interface BackendInfo {
  /** Component name, e.g. `wasm`. */
  name: string;
  /** tfjs backend name it activates (`tensorflow`, `wasm`, `cpu`, …). */
  tfBackend: string;
  version: string;
  threads: number;
  /** float32 unless the run asked for bfloat16 and the backend took it. */
  precision?: ComputePrecision;
  details?: Record<string, unknown>;
  /** Declared by backends with a hard memory ceiling, so stages can refuse work that cannot fit (absent: no hard limit). */
  memory?: BackendMemory;
}

/**
 * A backend's hard memory ceiling. Only the backend knows it (wasm: a 32-bit address space), so it declares it here
 * and stages compare their estimate against it without naming any backend.
 */
export interface BackendMemory {
  /** Bytes the backend can never exceed. */
  limitBytes: number;
  /** What the limit is, for messages, e.g. `WebAssembly heap (32-bit address space)`. */
  description: string;
  /**
   * Bytes reserved now. Cheap enough to call after every training step. For the wasm heap this is also the peak so
   * far, because the heap never shrinks.
   */
  usedBytes?(): number;
}

export interface ComputeBackend {
  readonly name: string;
  /** Other names a manifest or `--backend` may use for it (e.g. `gpu` for tfjs-node-gpu). */
  readonly aliases?: readonly string[];
  /** Higher wins under `auto` (tfjs-node-gpu 400, tfjs-node 300, native 250, wasm 200, cpu 100). */
  readonly priority: number;
  probe(): Promise<BackendProbe>;
  /** Registers kernels, sets the tfjs backend, returns what is in use. */
  activate(options?: BackendActivateOptions): Promise<BackendInfo>;
  /** After activation: which training kernels the shipped models need are registered (reported at startup). */
  kernelCoverage?(): KernelCoverage;
}

/** Kernels GraphFlow's shipped models need for training; `doctor` reports their coverage. */
export interface KernelCoverage {
  backend: string;
  missing: string[];
  present: string[];
}

/**
 * An optional fused kernel a backend may register: one Adam (or AdamW) update of one parameter. Optimizers run it
 * through `tf.engine().runKernel` when `tf.getKernel(FUSED_ADAM_KERNEL, tf.getBackend())` exists, else the same
 * formula as separate ops. It must round exactly like that op chain in float32:
 *   g' = decoupled ? g : g + w·weightDecay
 *   m' = m·beta1 + g'·oneMinusBeta1;  v' = v·beta2 + g'²·oneMinusBeta2
 *   w' = w − ((m'/c1) / (√(v'/c2) + epsilon))·lr  − (decoupled ? w·lrTimesWeightDecay : 0)
 * Inputs {w, g, m, v} (float32, same shape); outputs [w', m', v'].
 */
export const FUSED_ADAM_KERNEL = 'GraphFlowAdamUpdate';

export interface FusedAdamAttrs {
  beta1: number;
  beta2: number;
  /** 1 − beta1 and 1 − beta2 computed in float64 by the caller, as the op chain does. */
  oneMinusBeta1: number;
  oneMinusBeta2: number;
  epsilon: number;
  lr: number;
  /** Bias corrections 1 − beta^t. */
  c1: number;
  c2: number;
  weightDecay: number;
  lrTimesWeightDecay: number;
  decoupled: boolean;
}
