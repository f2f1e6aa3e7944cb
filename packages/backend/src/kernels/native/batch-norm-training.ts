import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAINING_GRAD_KERNEL, BATCH_NORM_TRAINING_KERNEL, type BatchNormTrainingAttrs } from '@graphflow/core';
import type { NativeAddon } from '@graphflow/backend-native';
import type { KernelArgs } from '../composite-kernel';
import { channelsLastGeometry, float32Inputs, heapOffset, nativeKernel, withOutputs, type NativeResult } from './native-kernel';

function geometry(shape: number[]): Int32Array | undefined {
  const g = channelsLastGeometry(shape);
  return g && Int32Array.from(g);
}

function channelsMatch(C: number, ...ts: (tf.TensorInfo | undefined)[]): boolean {
  return ts.every((t) => t !== undefined && tf.util.sizeFromShape(t.shape) === C);
}

/** {x [..., C], gamma, beta} → [y, mean, variance]: statistics and normalisation in one oneDNN primitive. */
function forward({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon): NativeResult {
  const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo | undefined>;
  const why = float32Inputs(x, gamma, beta);
  if (why) return { fallback: why };
  const C = x!.shape[x!.shape.length - 1] ?? 0;
  const g = geometry(x!.shape);
  if (!g || !channelsMatch(C, gamma, beta)) return { fallback: 'gamma and beta must have one value per channel' };
  const { epsilon } = attrs as unknown as BatchNormTrainingAttrs;
  return withOutputs(backend, [x!.shape.slice(), [C], [C]], ([y, mean, variance], heap) =>
    addon.batchNormTraining(
      heap(), g, heapOffset(backend, x!), heapOffset(backend, gamma!), heapOffset(backend, beta!),
      heapOffset(backend, y!), heapOffset(backend, mean!), heapOffset(backend, variance!), epsilon,
    ),
  );
}

/** {dy, x, gamma, mean, variance} → [dx, dgamma, dbeta] in one oneDNN primitive. */
function backward({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon): NativeResult {
  const { dy, x, gamma, mean, variance } = inputs as Record<string, tf.TensorInfo | undefined>;
  const why = float32Inputs(dy, x, gamma, mean, variance);
  if (why) return { fallback: why };
  const C = x!.shape[x!.shape.length - 1] ?? 0;
  const g = geometry(x!.shape);
  if (!g || !channelsMatch(C, gamma, mean, variance) || !tf.util.arraysEqual(dy!.shape, x!.shape)) return { fallback: 'shapes do not match' };
  const { epsilon } = attrs as unknown as BatchNormTrainingAttrs;
  return withOutputs(backend, [x!.shape.slice(), [C], [C]], ([dx, dgamma, dbeta], heap) =>
    addon.batchNormTrainingGrad(
      heap(), g, heapOffset(backend, dy!), heapOffset(backend, x!), heapOffset(backend, gamma!), heapOffset(backend, mean!),
      heapOffset(backend, variance!), heapOffset(backend, dx!), heapOffset(backend, dgamma!), heapOffset(backend, dbeta!), epsilon,
    ),
  );
}

export const batchNormTrainingNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(BATCH_NORM_TRAINING_KERNEL, addon, (args) => forward(args, addon));
export const batchNormTrainingGradNative = (addon: NativeAddon): tf.KernelConfig =>
  nativeKernel(BATCH_NORM_TRAINING_GRAD_KERNEL, addon, (args) => backward(args, addon));
