import type { JsonSchema } from '@graphflow/core';

/** Options every backbone shares. */
export const commonBackboneProperties: Record<string, JsonSchema> = {
  inChannels: { type: 'integer', minimum: 1, maximum: 64, default: 1, description: 'Channels of the input images (1 for grey-level EM/CT, 3 for RGB).' },
  numClasses: { type: 'integer', minimum: 1, maximum: 1024, default: 2, description: 'Output classes K; logits are [N,H,W,K] (softmax over K, so binary tasks use 2).' },
};

export const normProperty: JsonSchema = {
  type: 'string',
  enum: ['batch', 'none'],
  default: 'batch',
  description: 'Normalization after each convolution: batch norm (moving statistics used in inference mode) or none.',
};

export const upsamplingProperty: JsonSchema = {
  type: 'string',
  enum: ['transpose', 'bilinear'],
  default: 'transpose',
  description: "Decoder ×2 up-sampling: learned 2×2 transposed convolution or parameter-free bilinear resize.",
};

export function objectSchema(properties: Record<string, JsonSchema>): JsonSchema {
  return { type: 'object', additionalProperties: false, properties };
}
