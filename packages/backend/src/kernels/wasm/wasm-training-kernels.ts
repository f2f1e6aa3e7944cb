import * as tf from '@tensorflow/tfjs';
// Registers tfjs's own wasm kernels first: the Tile replacement keeps the original as its fallback.
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter';
import { conv2dBackpropInputWasm } from './conv2d-backprop-input';
import { depthwiseConv2dBackpropFilterWasm } from './depthwise-conv2d-backprop-filter';
import { depthwiseConv2dBackpropInputWasm } from './depthwise-conv2d-backprop-input';
import { einsumWasm } from './einsum';
import { makeTileWasm } from './tile';
import { makeChannelBroadcastBinaryWasm } from './channel-broadcast-binary';
import { makeLeadingAxesReductionWasm } from './leading-axes-reduction';
import { makeSimdUnaryWasm } from './simd-unary';
import { unsortedSegmentSumWasm } from './unsorted-segment-sum';
import { registerGraphFlowGradients } from '../../gradients/graphflow-gradients';

/**
 * The kernels tfjs-backend-wasm 4.22 lacks for training (found by running the gradients of every op the
 * shipped models use on wasm; see test/wasm-kernel-discovery.test.ts). Each is composed from kernels wasm has.
 */
export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterWasm,
  depthwiseConv2dBackpropInputWasm,
  depthwiseConv2dBackpropFilterWasm,
  unsortedSegmentSumWasm,
  einsumWasm,
];

/**
 * Kernels wasm HAS but implements outside XNNPACK, so slowly that they dominate a training step; GraphFlow
 * replaces them with faster compositions (measured in BENCHMARKS.md).
 */
const original = (name: string) => tf.getKernel(name, 'wasm');
export const WASM_FASTER_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropInputWasm,
  makeTileWasm(original(tf.Tile)),
  // Per-channel broadcasts, leading-axis reductions and unary ops on the heap with wasm SIMD (simd-module.ts).
  ...(
    [[tf.Add, 'add'], [tf.Sub, 'sub'], [tf.Multiply, 'mul'], [tf.RealDiv, 'div'], [tf.Maximum, 'max'], [tf.Minimum, 'min'], [tf.SquaredDifference, 'sqdiff']] as const
  ).map(([kernel, op]) => makeChannelBroadcastBinaryWasm(kernel, op, original(kernel))),
  ...([[tf.Sum, 'sum'], [tf.Mean, 'mean'], [tf.Max, 'max']] as const).map(([kernel, kind]) => makeLeadingAxesReductionWasm(kernel, kind, original(kernel))),
  ...([[tf.Square, 'square'], [tf.Neg, 'neg'], [tf.Relu, 'relu']] as const).map(([kernel, op]) => makeSimdUnaryWasm(kernel, op, original(kernel))),
];

/** tfjs's own kernels that a faster one replaced, to put back with `faster: false`. */
const replacedOriginals = new Map<string, tf.KernelConfig>();

function installKernels(options: { override?: boolean; faster?: boolean }): string[] {
  const added: string[] = [];
  const install = (config: tf.KernelConfig, replace: boolean): void => {
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (existing && existing.kernelFunc === config.kernelFunc) return;
    if (existing && !replace) return;
    if (existing) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
    added.push(config.kernelName);
  };
  for (const config of WASM_TRAINING_KERNELS) install(config, options.override === true);
  if (options.faster !== false) {
    for (const config of WASM_FASTER_KERNELS) {
      const existing = tf.getKernel(config.kernelName, config.backendName);
      if (existing && existing.kernelFunc !== config.kernelFunc && !WASM_FASTER_KERNELS.some((k) => k.kernelFunc === existing.kernelFunc)) {
        replacedOriginals.set(config.kernelName, existing);
      }
      install(config, true);
    }
  } else {
    // Put tfjs's kernels back where a faster one is installed (so on/off can be compared in one process).
    for (const config of WASM_FASTER_KERNELS) {
      const orig = replacedOriginals.get(config.kernelName);
      const existing = tf.getKernel(config.kernelName, config.backendName);
      if (orig && existing?.kernelFunc === config.kernelFunc) {
        install(orig, true);
        // tfjs runs a kernel's setupFunc only for kernels registered when the backend starts; ours stood
        // there, so bind the original's wasm function now (tf.engine().registry has started backends only).
        const started = (tf.engine().registry as Record<string, tf.KernelBackend | undefined>)['wasm'];
        if (started && orig.setupFunc) orig.setupFunc(started);
      }
    }
  }
  return added;
}

/**
 * Registers GraphFlow's wasm training kernels and faster replacements (idempotent), plus GraphFlow's
 * gradient overrides. A missing kernel that tfjs already provides for wasm is left alone unless `override`
 * is set, so a newer tfjs that ships its own wins; the faster replacements always replace (pass
 * `faster: false` to keep, or put back, tfjs's). Returns the kernel names registered by this call.
 */
export function registerWasmTrainingKernels(options: { override?: boolean; faster?: boolean } = {}): string[] {
  registerGraphFlowGradients();
  return installKernels(options);
}

// Importing tfjs-backend-wasm registers 'wasm' at priority 2, above 'cpu', so in Node it becomes tfjs's
// default backend for any code that never calls setBackend. Install the kernels now so such code can train.
installKernels({});
