import * as fs from 'node:fs';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo, BackendProbe, ComputeBackend } from '@graphflow/core';
import { registerGraphFlowGradients } from '../gradients/graphflow-gradients';
import { loadOptionalModule } from './optional-module';

/** How to get each optional native package, shown whenever it is missing. */
export const INSTALL_HINTS: Readonly<Record<string, string>> = {
  '@tensorflow/tfjs-node':
    'npm install @tensorflow/tfjs-node@4.22.0 (its install script downloads the libtensorflow 2.9 CPU binary; needs network access to it)',
  '@tensorflow/tfjs-node-gpu':
    'npm install @tensorflow/tfjs-node-gpu@4.22.0 on Linux x64 with an NVIDIA driver, CUDA 11.2 and cuDNN 8.1 (its install script downloads libtensorflow 2.9 GPU)',
};

/** A usable NVIDIA GPU is visible to this process (driver loaded, device node present). */
function nvidiaGpuVisible(): boolean {
  return fs.existsSync('/proc/driver/nvidia/version') || fs.existsSync('/dev/nvidia0');
}

function nativeBackend(name: 'tfjs-node' | 'tfjs-node-gpu', priority: number, aliases: readonly string[]): ComputeBackend {
  const packageName = `@tensorflow/${name}`;
  return {
    name,
    aliases,
    priority,
    async probe(): Promise<BackendProbe> {
      if (name === 'tfjs-node-gpu' && !nvidiaGpuVisible()) {
        // Checked first so a CPU-only machine never loads the CUDA build just to find no device.
        return { available: false, reason: `no NVIDIA GPU visible (no /proc/driver/nvidia/version); ${packageName} needs one. To use it: ${INSTALL_HINTS[packageName]}` };
      }
      const loaded = loadOptionalModule(packageName);
      if (!loaded.ok) return { available: false, reason: `${loaded.reason}. To use it: ${INSTALL_HINTS[packageName]}` };
      if (!tf.findBackend('tensorflow')) return { available: false, reason: `${packageName} loaded but registered no 'tensorflow' backend` };
      return { available: true };
    },
    async activate(): Promise<BackendInfo> {
      const loaded = loadOptionalModule(packageName);
      if (!loaded.ok) throw new Error(loaded.reason);
      registerGraphFlowGradients();
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tf.setBackend("tensorflow") returned false');
      // libtensorflow sizes its intra-op pool from this variable, else from the core count.
      const fromEnv = Number(process.env['TF_NUM_INTRAOP_THREADS']);
      const threads = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : os.cpus().length;
      return { name, tfBackend: 'tensorflow', version: loaded.version, threads, details: { package: packageName } };
    },
  };
}

/** `@tensorflow/tfjs-node-gpu`: libtensorflow with CUDA; chosen first under `auto` when it loads and a GPU is visible. */
export const tfjsNodeGpuBackend = nativeBackend('tfjs-node-gpu', 400, ['gpu', 'cuda']);
/** `@tensorflow/tfjs-node`: libtensorflow on CPU (oneDNN, all cores). */
export const tfjsNodeBackend = nativeBackend('tfjs-node', 300, ['tensorflow', 'node']);
