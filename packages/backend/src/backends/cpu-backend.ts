import * as tf from '@tensorflow/tfjs';
import type { BackendInfo, BackendProbe, ComputeBackend } from '@graphflow/core';
import { registerGraphFlowGradients } from '../gradients/graphflow-gradients';
import { registerCpuFasterKernels } from '../kernels/cpu/cpu-faster-kernels';

/**
 * tfjs's pure-JavaScript reference backend: always available, single-threaded, about 1 GFLOP/s; GraphFlow
 * replaces its scalar-loop conv filter gradient (see kernels/cpu).
 */
export const cpuBackend: ComputeBackend = {
  name: 'cpu',
  priority: 100,
  async probe(): Promise<BackendProbe> {
    return { available: true };
  },
  async activate(): Promise<BackendInfo> {
    registerGraphFlowGradients();
    registerCpuFasterKernels();
    if (!(await tf.setBackend('cpu'))) throw new Error('tf.setBackend("cpu") returned false');
    return { name: 'cpu', tfBackend: 'cpu', version: tf.version.tfjs, threads: 1 };
  },
};
