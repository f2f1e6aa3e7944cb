import type { JsonSchema } from '@graphflow/core';

/** How a model is run over whole images at evaluation and prediction time (the manifest's `inference` object). */
export interface InferenceOptions {
  /**
   * `whole`: one (padded) forward per image. `sliding-window`: overlapping tiles, blended. `auto`: whole when the
   * image has the training input size, else sliding window — a network trained on patches sees patch-sized inputs.
   */
  mode?: 'auto' | 'whole' | 'sliding-window';
  /** Tile [height, width] (a number = square); default: the data's training input size. */
  tile?: number | readonly [number, number];
  /** Fraction of the tile adjacent tiles share, in [0, 0.9). */
  overlap?: number;
  /** Weight of a tile's pixels when overlapping tiles are averaged: gaussian (nnU-Net, σ = tile/8) or constant (mean). */
  blend?: 'gaussian' | 'constant';
  /** Tiles per forward pass. */
  batchSize?: number;
}

/** InferenceOptions with every default filled in. */
export interface ResolvedInference {
  mode: 'auto' | 'whole' | 'sliding-window';
  /** Null only when neither the options nor the caller gave a tile (then sliding window is unavailable). */
  tile: [number, number] | null;
  overlap: number;
  blend: 'gaussian' | 'constant';
  batchSize: number;
  /** The training input size `auto` compares images against (null: `auto` always runs whole images). */
  trainingSize: [number, number] | null;
}

export const INFERENCE_DEFAULTS = { mode: 'auto', overlap: 0.25, blend: 'gaussian', batchSize: 4 } as const;

/** Exclusive upper bound of `overlap`: at 0.9 a 128-pixel tile advances 12 pixels, ~100 forwards per tile area. */
export const MAX_OVERLAP = 0.9;

/** JSON Schema of the `inference` option shared by stage/evaluate, stage/predict and training-stage validation. */
export const inferenceOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description:
    'How models run over whole images (MONAI sliding_window_inference / nnU-Net style). Images are zero-padded to at least the tile and to the network’s size multiple, then cropped back.',
  properties: {
    mode: {
      type: 'string',
      enum: ['auto', 'whole', 'sliding-window'],
      default: INFERENCE_DEFAULTS.mode,
      description: '`auto`: one forward per image when it has the training input size, else sliding window; `whole`: always one padded forward per image; `sliding-window`: always tiles.',
    },
    tile: {
      oneOf: [
        { type: 'integer', minimum: 1 },
        { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 },
      ],
      description: 'Tile size: a side, or [height, width]. Default: the data’s training input size (e.g. the patch size). Must be a size the network accepts.',
    },
    overlap: { type: 'number', minimum: 0, exclusiveMaximum: MAX_OVERLAP, default: INFERENCE_DEFAULTS.overlap, description: 'Fraction of the tile neighbouring tiles overlap, in [0, 0.9).' },
    blend: {
      type: 'string',
      enum: ['gaussian', 'constant'],
      default: INFERENCE_DEFAULTS.blend,
      description: 'Weights of overlapping tiles: `gaussian` (σ = tile/8, nnU-Net; tile centres count most) or `constant` (plain mean).',
    },
    batchSize: { type: 'integer', minimum: 1, default: INFERENCE_DEFAULTS.batchSize, description: 'Tiles per forward pass (bounds memory).' },
  },
};

/** Fills defaults; `trainingSize` (the data's `inputSize`) is the default tile and what `auto` compares against. */
export function resolveInference(options: InferenceOptions | undefined, trainingSize?: readonly [number, number]): ResolvedInference {
  const o = options ?? {};
  const tile = o.tile === undefined ? (trainingSize ? [trainingSize[0], trainingSize[1]] : null) : typeof o.tile === 'number' ? [o.tile, o.tile] : [o.tile[0], o.tile[1]];
  return {
    mode: o.mode ?? INFERENCE_DEFAULTS.mode,
    tile: tile as [number, number] | null,
    overlap: o.overlap ?? INFERENCE_DEFAULTS.overlap,
    blend: o.blend ?? INFERENCE_DEFAULTS.blend,
    batchSize: o.batchSize ?? INFERENCE_DEFAULTS.batchSize,
    trainingSize: trainingSize ? [trainingSize[0], trainingSize[1]] : null,
  };
}

/** Whether an image of [height, width] is run in tiles under `r`. */
export function usesSlidingWindow(r: ResolvedInference, height: number, width: number): boolean {
  if (r.mode === 'whole') return false;
  if (r.mode === 'sliding-window') return true;
  return r.trainingSize !== null && (height !== r.trainingSize[0] || width !== r.trainingSize[1]);
}
