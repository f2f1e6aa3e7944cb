import * as tf from '@tensorflow/tfjs';
import type { KernelCoverage } from '@graphflow/core';

/**
 * Kernels (forward and backward) that training the shipped model families needs, found by tracing one
 * training step of each family's building blocks. `doctor` and backend start-up check these.
 */
export const TRAINING_KERNELS_BY_FAMILY: Readonly<Record<string, readonly string[]>> = {
  // Shared by every stage: losses (softmax CE, dice, KD, adversarial BCE), Adam/SGD updates, metrics.
  common: [
    'Add', 'AddN', 'Sub', 'Multiply', 'RealDiv', 'Neg', 'Square', 'SquaredDifference', 'Sqrt', 'Rsqrt', 'Exp', 'Log',
    'Log1p', 'Abs', 'Maximum', 'Minimum', 'Sum', 'Mean', 'Max', 'Softmax', 'OneHot', 'Cast', 'Reshape', 'Transpose',
    'Fill', 'ZerosLike', 'OnesLike', 'Select', 'Greater', 'GreaterEqual', 'Less', 'Equal', 'Sigmoid', 'Softplus',
    'ClipByValue', 'ArgMax', 'Pow', 'Sign', 'Step', 'Identity', 'Slice', 'Concat', 'PadV2', 'Tile', 'GatherV2',
    'UnsortedSegmentSum', 'BatchMatMul', 'ResizeBilinear', 'ResizeBilinearGrad', 'IsNan', 'IsFinite',
  ],
  unet: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'FusedBatchNorm', 'Relu', 'MaxPool', 'MaxPoolGrad'],
  mobilenetv2: [
    'DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'Relu6',
  ],
  enet: ['Prelu', 'SpaceToBatchND', 'BatchToSpaceND', 'MaxPoolWithArgmax', 'AvgPool', 'AvgPoolGrad'],
  erfnet: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'Relu'],
  transunet: ['BatchMatMul', 'Erf', 'Softmax', 'Tanh', 'StridedSlice', 'Einsum', 'ResizeNearestNeighbor', 'ResizeNearestNeighborGrad'],
};

/** Every kernel name in TRAINING_KERNELS_BY_FAMILY, sorted and de-duplicated. */
export const TRAINING_KERNELS: readonly string[] = [...new Set(Object.values(TRAINING_KERNELS_BY_FAMILY).flat())].sort();

/** tfjs backend names of GraphFlow's backend components, for callers that pass a component name. */
const TFJS_BACKEND_OF: Readonly<Record<string, string>> = { 'tfjs-node': 'tensorflow', 'tfjs-node-gpu': 'tensorflow' };

/**
 * Which of `kernels` are registered for a tfjs backend: `wasm`, `cpu`, `tensorflow`, or a GraphFlow
 * component name (`tfjs-node`, `backend/wasm`, …).
 */
export function kernelCoverage(backendName: string, kernels: readonly string[] = TRAINING_KERNELS): KernelCoverage {
  const bare = backendName.replace(/^backend\//, '');
  const tfBackend = TFJS_BACKEND_OF[bare] ?? bare;
  const present: string[] = [];
  const missing: string[] = [];
  for (const name of kernels) (tf.getKernel(name, tfBackend) ? present : missing).push(name);
  return { backend: tfBackend, present, missing };
}
