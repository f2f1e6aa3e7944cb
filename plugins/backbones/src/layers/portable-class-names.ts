import { DilatedConv2D } from './dilated-conv2d';
import { FusedBatchNormalization } from './fused-batch-normalization';

/**
 * Custom classes whose saved form can name a built-in class with identical inference behaviour,
 * so that a saved model loads with plain tfjs.
 */
export const PORTABLE_CLASS_NAMES: Readonly<Record<string, string>> = {
  [DilatedConv2D.className]: 'Conv2D',
  [FusedBatchNormalization.className]: 'BatchNormalization',
};
