import { defineErrorCodes } from '@graphflow/core';

/** This plugin's own error codes, as a third-party plugin defines them (prefix TVERSKY, like fastify's FST_ERR_*). */
export const tverskyErrors = defineErrorCodes('TVERSKY', {
  LABELS_MISSING: {
    description: 'A Tversky loss was computed on a batch without labels (e.g. unlabeled images in a semi-supervised stage). Tversky terms learn from the ground truth: use them only where the batch has masks.',
    input: true,
  },
});
