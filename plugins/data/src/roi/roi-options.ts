import type { OptionRuleViolation } from '@graphflow/core';
import { compilePattern, DEFAULT_IMAGE_PATTERN } from '../layouts/pair-files';

/**
 * Where pixels count (a fundus camera's round field of view, a scanner's reconstruction circle):
 * - `threshold`: where channel `channel` of the decoded image file is above `above` (file units), e.g. the red
 *   channel of a fundus photograph against its dark surround;
 * - `files`: ROI masks beside the images (foreground = ROI), paired by the key capture group 1 of `pattern` extracts.
 * `erode` shrinks the region by that many pixels, away from the rim where JPEG artefacts and vignetting sit.
 */
export type RoiOptions =
  | { mode: 'threshold'; channel?: number; above: number; erode?: number }
  | { mode: 'files'; dir: string; pattern?: string; erode?: number };

export const ROI_SCHEMA = {
  type: 'object',
  description:
    'Region of interest: only its pixels count in losses and metrics, and patches are placed inside it. '
    + 'threshold: computed from the image file (any layout); files: ROI masks paired with the images (folder layout).',
  properties: {
    mode: { enum: ['threshold', 'files'], description: 'threshold: channel value above a level; files: ROI mask files paired like masks.' },
    channel: { type: 'integer', minimum: 0, description: 'threshold (default 0, red in RGB files): channel of the decoded file that is compared.' },
    above: { type: 'number', description: 'threshold (required): pixels whose channel value is above this, in file units (e.g. 20 of 255), are inside.' },
    erode: { type: 'integer', minimum: 0, description: 'Shrink the region by this many pixels (square neighbourhood; the image border does not erode). Default 0.' },
    dir: { type: 'string', description: 'files (required): folder of ROI masks, relative to the dataset root (a folder source may set its own roiDir).' },
    pattern: { type: 'string', description: 'files: regex on ROI file names, capture group 1 is the pairing key of the image (default: same stem, any image extension). Nonzero pixels (at least half the storage range) are inside.' },
  },
  required: ['mode'],
  additionalProperties: false,
} as const;

/** `roiFiles`: whether the layout can pair ROI files (the folder layout can). */
export function roiRules(roi: Partial<RoiOptions> | undefined, layout: { roiFiles: boolean }): OptionRuleViolation[] {
  if (!roi) return [];
  const out: OptionRuleViolation[] = [];
  if (roi.mode === 'threshold') {
    if (typeof (roi as { above?: unknown }).above !== 'number') out.push({ pointer: '/roi/above', message: 'threshold mode needs `above`', expected: 'a level in file units, e.g. 20' });
    for (const k of ['dir', 'pattern']) if (k in roi) out.push({ pointer: `/roi/${k}`, message: `\`${k}\` belongs to files mode` });
  } else if (roi.mode === 'files') {
    if (!layout.roiFiles) out.push({ pointer: '/roi/mode', message: 'this layout cannot pair ROI files', expected: "mode 'threshold', or the dataset/folder layout" });
    if (typeof (roi as { dir?: unknown }).dir !== 'string') out.push({ pointer: '/roi/dir', message: 'files mode needs `dir`', expected: 'a folder relative to the dataset root' });
    const p = compilePattern((roi as { pattern?: string }).pattern ?? DEFAULT_IMAGE_PATTERN, '/roi/pattern');
    if (!(p instanceof RegExp)) out.push(p);
    for (const k of ['channel', 'above']) if (k in roi) out.push({ pointer: `/roi/${k}`, message: `\`${k}\` belongs to threshold mode` });
  }
  return out;
}
