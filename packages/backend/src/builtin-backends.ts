import type { ComputeBackend } from '@graphflow/core';
import { cpuBackend } from './backends/cpu-backend';
import { nativeBackend } from './backends/native-backend';
import { tfjsNodeBackend, tfjsNodeGpuBackend } from './backends/tfjs-node-backends';
import { wasmBackend } from './backends/wasm-backend';

/** The backends this package ships, highest `auto` priority first. */
export const BUILTIN_BACKENDS: readonly ComputeBackend[] = [tfjsNodeGpuBackend, tfjsNodeBackend, nativeBackend, wasmBackend, cpuBackend];

/** Other spellings users reach for; all map to a component name. */
export const BACKEND_ALIASES: Readonly<Record<string, string>> = {
  tensorflow: 'tfjs-node',
  node: 'tfjs-node',
  gpu: 'tfjs-node-gpu',
  cuda: 'tfjs-node-gpu',
  onednn: 'native',
  dnnl: 'native',
};
