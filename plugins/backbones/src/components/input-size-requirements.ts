import type { InputSizeRequirement } from '@graphflow/core';
import { transUNetTokenStride } from '../networks/transunet';

type Options = Record<string, unknown>;

function num(o: Options, key: string, fallback: number): number {
  const v = o[key];
  return typeof v === 'number' ? v : fallback;
}

/** Input-size rule of each backbone as a pure function of its (defaults-filled) options. */
const REQUIREMENTS: Record<string, (o: Options) => InputSizeRequirement> = {
  'backbone/unet': (o) => ({ multiple: 2 ** num(o, 'depth', 4), minimum: 2 ** num(o, 'depth', 4) }),
  'backbone/mobile-unet': (o) => ({ multiple: 2 ** num(o, 'depth', 4), minimum: 2 ** num(o, 'depth', 4) }),
  'backbone/enet': () => ({ multiple: 8, minimum: 8 }),
  'backbone/erfnet': () => ({ multiple: 8, minimum: 8 }),
  'backbone/transunet': (o) => {
    const s = transUNetTokenStride({ convStages: num(o, 'convStages', 3), patchSize: num(o, 'patchSize', 1) });
    return { multiple: s, minimum: s };
  },
};

/**
 * Which input sizes the backbone `type` (e.g. `backbone/unet`) accepts with `options`, without building it,
 * so a validator can compare the dataset's image size with the model before any work. Undefined for unknown types.
 */
export function backboneInputSizeRequirement(type: string, options: Options = {}): InputSizeRequirement | undefined {
  return REQUIREMENTS[type]?.(options);
}
