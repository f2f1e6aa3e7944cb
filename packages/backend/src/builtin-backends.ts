import type { ComputeBackend } from '@graphflow/core';
import { cpuBackend } from './backends/cpu-backend';
import { nativeBackend } from './backends/native-backend';
import { tfjsNodeBackend, tfjsNodeGpuBackend } from './backends/tfjs-node-backends';
import { wasmBackend } from './backends/wasm-backend';

/** The backends this package ships, highest `auto` priority first. */
export const BUILTIN_BACKENDS: readonly ComputeBackend[] = [tfjsNodeGpuBackend, tfjsNodeBackend, nativeBackend, wasmBackend, cpuBackend];

/** Other spellings users reach for (each backend's `aliases`), alias → component name. */
export const BACKEND_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(BUILTIN_BACKENDS.flatMap((b) => (b.aliases ?? []).map((alias) => [alias, b.name])));
