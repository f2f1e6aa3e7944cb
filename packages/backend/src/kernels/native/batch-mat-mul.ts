import * as tf from '@tensorflow/tfjs';
import { NATIVE_ACTIVATIONS, type NativeAddon } from '@graphflow/backend-native';
import type { KernelArgs } from '../composite-kernel';
import { float32Inputs, heapOffset, nativeKernel, withOutput, type NativeResult } from './native-kernel';

/**
 * BatchMatMul: a [...batch, M, K] (transposeA: [..., K, M]), b [...batch, K, N] (transposeB: [..., N, K]) →
 * [...batch, M, N]; one side's batch may be 1 (broadcast). TransUNet's attention and MLP weight gradients are the
 * transposed case, which tfjs's wasm kernel runs at ≈ 0.3 GFLOP/s.
 */
function run({ inputs, attrs, backend }: KernelArgs, addon: NativeAddon, fused: boolean): NativeResult {
  const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
  const why = float32Inputs(a, b, bias);
  if (why) return { fallback: why };
  if (preluActivationWeights) return { fallback: 'prelu activation' };
  const f = attrs as unknown as { activation?: string; leakyreluAlpha?: number };
  const activation = (fused ? f.activation : undefined) ?? 'linear';
  const code = (NATIVE_ACTIVATIONS as Record<string, number>)[activation];
  if (code === undefined) return { fallback: `activation ${activation}` };
  if (a!.shape.length < 2 || b!.shape.length < 2) return { fallback: 'rank below 2' };
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const ra = a!.shape.length, rb = b!.shape.length;
  const M = transposeA ? a!.shape[ra - 1]! : a!.shape[ra - 2]!;
  const K = transposeA ? a!.shape[ra - 2]! : a!.shape[ra - 1]!;
  const Kb = transposeB ? b!.shape[rb - 1]! : b!.shape[rb - 2]!;
  const N = transposeB ? b!.shape[rb - 2]! : b!.shape[rb - 1]!;
  if (K !== Kb) return { fallback: 'inner dimensions differ' };
  const outerA = a!.shape.slice(0, -2), outerB = b!.shape.slice(0, -2);
  const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  const Ba = tf.util.sizeFromShape(outerA), Bb = tf.util.sizeFromShape(outerB), B = tf.util.sizeFromShape(outer);
  if ((Ba !== B && Ba !== 1) || (Bb !== B && Bb !== 1)) return { fallback: 'partial batch broadcast' };
  if (bias && tf.util.sizeFromShape(bias.shape) !== N) return { fallback: 'bias is not one value per output column' };
  const geometry = Int32Array.from([Ba, Bb, M, K, N, transposeA ? 1 : 0, transposeB ? 1 : 0]);
  return withOutput(backend, [...outer, M, N], (out, heap) =>
    addon.batchMatMul(
      heap(), geometry, heapOffset(backend, a!), heapOffset(backend, b!), heapOffset(backend, out),
      bias ? heapOffset(backend, bias) : -1, code, f.leakyreluAlpha ?? 0.2,
    ),
  );
}

export const batchMatMulNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(tf.BatchMatMul, addon, (args) => run(args, addon, false));

/** _FusedMatMul (tf.layers' dense): the same product + bias [N] + relu | relu6 | leakyrelu | sigmoid | elu. */
export const fusedMatMulNative = (addon: NativeAddon): tf.KernelConfig => nativeKernel(tf._FusedMatMul, addon, (args) => run(args, addon, true));
