import * as tf from '@tensorflow/tfjs';

export interface KernelTime {
  kernel: string;
  calls: number;
  /** Time inside the kernel, including kernels it runs itself (GraphFlow's composite kernels). */
  totalMs: number;
}

/**
 * Times every kernel of a tfjs backend by wrapping its registered kernelFunc. Only OUTERMOST kernels are
 * accumulated, so composite kernels (which call other kernels) are not double-counted and the per-kernel
 * times add up to the step's kernel time. Valid for synchronous backends (wasm, cpu), where a kernel's wall
 * time is its compute time; tf.profile was not used because it records nested kernels too.
 */
export class KernelTimer {
  private readonly times = new Map<string, KernelTime>();
  private depth = 0;
  private enabled = false;
  private readonly originals: tf.KernelConfig[] = [];

  constructor(private readonly backendName: string) {}

  install(): void {
    for (const config of tf.getKernelsForBackend(this.backendName)) {
      this.originals.push(config);
      const inner = config.kernelFunc;
      tf.unregisterKernel(config.kernelName, config.backendName);
      tf.registerKernel({
        ...config,
        kernelFunc: (args) => {
          if (!this.enabled || this.depth > 0) return inner(args);
          this.depth++;
          const t0 = performance.now();
          try {
            return inner(args);
          } finally {
            const dt = performance.now() - t0;
            this.depth--;
            const entry = this.times.get(config.kernelName) ?? { kernel: config.kernelName, calls: 0, totalMs: 0 };
            entry.calls++;
            entry.totalMs += dt;
            this.times.set(config.kernelName, entry);
          }
        },
      });
    }
  }

  /** Measures `fn`, returning its per-kernel times sorted by total time, largest first. */
  measure(fn: () => void): KernelTime[] {
    this.times.clear();
    this.enabled = true;
    try {
      fn();
    } finally {
      this.enabled = false;
    }
    return [...this.times.values()].sort((a, b) => b.totalMs - a.totalMs);
  }
}
