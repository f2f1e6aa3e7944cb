import * as tf from '@tensorflow/tfjs';
import { makeBatchNormGradient } from './batch-norm-gradient';
import { registerDilatedConvGradients } from '@graphflow/core';
import { makeClipByValueGradient } from './clip-by-value-gradient';
import { makePreluGradient } from './prelu-gradient';
import { tileGradient } from './tile-gradient';
import { patchFusedDilatedConvs } from './unfused-dilated-conv';

let installed = false;

/**
 * Installs GraphFlow's gradient overrides on every backend (idempotent): dilated convolutions (missing in
 * tfjs; also for tf.layers' fused convolutions), the leaner batch-norm gradient, a one-sum Tile gradient, and ClipByValue's and Prelu's gradients through fused kernels where the backend has them. Backend activation calls this; models and losses need not.
 */
export function registerGraphFlowGradients(): void {
  registerDilatedConvGradients();
  patchFusedDilatedConvs();
  if (installed) return;
  const config = makeBatchNormGradient(tf.getGradient(tf.FusedBatchNorm));
  // tfjs warns on every override; this one is deliberate and equivalent (test/batch-norm-gradient.test.ts).
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    tf.registerGradient(config);
    tf.registerGradient(tileGradient);
    tf.registerGradient(makeClipByValueGradient(tf.getGradient(tf.ClipByValue)!));
    tf.registerGradient(makePreluGradient(tf.getGradient(tf.Prelu)!));
  } finally {
    console.warn = warn;
  }
  installed = true;
}
