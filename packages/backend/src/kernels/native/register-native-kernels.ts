import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@graphflow/backend-native';
import { conv2dNative, depthwiseConv2dNative } from './conv2d';
import { conv2dBackpropFilterNative, depthwiseConv2dBackpropFilterNative } from './conv2d-backprop-filter';
import { conv2dBackpropInputNative, depthwiseConv2dBackpropInputNative } from './conv2d-backprop-input';
import { adamUpdateNative } from './adam-update';
import { batchMatMulNative, fusedMatMulNative } from './batch-mat-mul';
import { batchNormTrainingGradNative, batchNormTrainingNative } from './batch-norm-training';
import { clipByValueGradNative } from './clip-by-value-grad';
import { concatNative } from './concat';
import { fusedBatchNormNative } from './fused-batch-norm';
import { fusedConv2dNative, fusedDepthwiseConv2dNative } from './fused-conv2d';
import { identityNative } from './identity';
import { maxPoolGradNative } from './max-pool-grad';
import { preluGradNative, preluNative } from './prelu';
import { batchToSpaceNative, spaceToBatchNative } from './space-to-batch';
import { splitVNative } from './split-v';
import { transposeNative } from './transpose';
import { NATIVE_TF_BACKEND } from './native-kernel';

/** The kernels the addon runs; everything else on `native` is the wasm backend's own kernel. */
const NATIVE_KERNELS: readonly ((addon: NativeAddon) => tf.KernelConfig)[] = [
  conv2dNative,
  depthwiseConv2dNative,
  fusedConv2dNative,
  fusedDepthwiseConv2dNative,
  conv2dBackpropInputNative,
  depthwiseConv2dBackpropInputNative,
  conv2dBackpropFilterNative,
  depthwiseConv2dBackpropFilterNative,
  maxPoolGradNative,
  concatNative,
  splitVNative,
  fusedBatchNormNative,
  batchNormTrainingNative,
  batchNormTrainingGradNative,
  identityNative,
  adamUpdateNative,
  batchMatMulNative,
  fusedMatMulNative,
  spaceToBatchNative,
  batchToSpaceNative,
  clipByValueGradNative,
  preluNative,
  preluGradNative,
  transposeNative,
];

let registered: string[] | undefined;

/**
 * Registers every wasm kernel (tfjs's and GraphFlow's) under `native`, then replaces those the addon runs. Call after
 * the wasm backend is up and its GraphFlow kernels are registered; returns the names that run natively.
 */
export function registerNativeKernels(addon: NativeAddon): readonly string[] {
  if (registered) return registered;
  const native = NATIVE_KERNELS.map((make) => make(addon));
  const replaced = new Set(native.map((k) => k.kernelName));
  for (const k of tf.getKernelsForBackend('wasm')) {
    if (!replaced.has(k.kernelName)) tf.registerKernel({ ...k, backendName: NATIVE_TF_BACKEND });
  }
  for (const k of native) tf.registerKernel(k);
  return (registered = [...replaced].sort());
}

/** Names of the kernels the addon runs (empty before registerNativeKernels). */
export function nativeKernelNames(): readonly string[] {
  return registered ?? [];
}
