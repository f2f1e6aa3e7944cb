import * as tf from '@tensorflow/tfjs';
import { makeBatchNormGradient } from './batch-norm-gradient';
import { registerDilatedConvGradients } from './dilated-conv-gradients';
import { makeClipByValueGradient } from './clip-by-value-gradient';
import { tileGradient } from './tile-gradient';
import { patchFusedDilatedConvs } from './unfused-dilated-conv';

let installed = false;

/**
 * Installs GraphFlow's gradient overrides on every backend (idempotent): dilated convolutions (missing in
 * tfjs; also for tf.layers' fused convolutions), the leaner batch-norm gradient and a one-sum Tile gradient. Backend activation calls this; models and losses need not.
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
  } finally {
    console.warn = warn;
  }
  installed = true;
}
