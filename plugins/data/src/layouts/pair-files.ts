import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Problem } from '@graphflow/core';
import { isImageFile } from '../decode/image-file';
import { imageFileEntry, type SampleEntry } from '../dataset/sample-entry';

export interface PairFilesSpec {
  /** Folder of images. */
  imageDir: string;
  /** Folder of masks (may equal imageDir when masks are told apart by pattern). */
  maskDir: string;
  /** Regex on image file names; capture group 1 is the pairing key. */
  imagePattern: RegExp;
  /** Regex on mask file names; capture group 1 is the key. Several masks with one key are merged by union. */
  maskPattern: RegExp;
  /** Group (patient/volume) of a key; the key itself when absent. */
  groupOf?: (key: string) => string;
  /** Prefix for sample ids, e.g. `benign/`. */
  idPrefix?: string;
  meta?: Record<string, unknown>;
}

async function listFiles(dir: string): Promise<string[] | Problem> {
  try {
    const items = await fs.readdir(dir, { withFileTypes: true });
    return items.filter((d) => d.isFile() && !d.name.startsWith('.')).map((d) => d.name).sort();
  } catch (e) {
    return { code: 'GF_DATA_INVALID', message: `cannot read folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file: dir };
  }
}

/**
 * Pair images with masks by the key their names' patterns capture. Only names are looked at here;
 * decoding happens in the dataset's scan. Unpaired files become one problem each.
 */
export async function pairFiles(spec: PairFilesSpec): Promise<{ entries: SampleEntry[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  const imageNames = await listFiles(spec.imageDir);
  const maskNames = spec.maskDir === spec.imageDir ? imageNames : await listFiles(spec.maskDir);
  if (!Array.isArray(imageNames)) return { entries: [], problems: [imageNames] };
  if (!Array.isArray(maskNames)) return { entries: [], problems: [maskNames] };

  const masks = new Map<string, string[]>();
  const maskFileSet = new Set<string>();
  for (const name of maskNames) {
    const key = spec.maskPattern.exec(name)?.[1];
    if (key === undefined || !isImageFile(name)) continue;
    masks.set(key, [...(masks.get(key) ?? []), path.join(spec.maskDir, name)]);
    maskFileSet.add(path.join(spec.maskDir, name));
  }
  const entries: SampleEntry[] = [];
  const used = new Set<string>();
  for (const name of imageNames) {
    const file = path.join(spec.imageDir, name);
    if (maskFileSet.has(file) || !isImageFile(name)) continue;
    const key = spec.imagePattern.exec(name)?.[1];
    if (key === undefined) continue;
    if (used.has(key)) {
      // Two images with one key (e.g. `a.png` and `a.tif`) would silently share a mask and an id.
      problems.push({ code: 'GF_DATA_INVALID', message: `another image already has the pairing key '${key}'`, file });
      continue;
    }
    const maskFiles = masks.get(key);
    if (!maskFiles) {
      problems.push({ code: 'GF_DATA_INVALID', message: `image has no mask (looked in ${spec.maskDir} for a name matching ${spec.maskPattern} with key '${key}')`, file });
      used.add(key);
      continue;
    }
    used.add(key);
    entries.push(imageFileEntry({ id: `${spec.idPrefix ?? ''}${key}`, group: `${spec.idPrefix ?? ''}${spec.groupOf ? spec.groupOf(key) : key}`, imageFile: file, maskFiles, ...(spec.meta ? { meta: spec.meta } : {}) }));
  }
  for (const [key, files] of masks) {
    if (!used.has(key)) for (const file of files) problems.push({ code: 'GF_DATA_INVALID', message: `mask has no image (key '${key}' in ${spec.imageDir})`, file });
  }
  return { entries, problems };
}

/** Compile a user-supplied pattern, reporting a bad one at the option's pointer. */
export function compilePattern(source: string, pointer: string): RegExp | { pointer: string; message: string } {
  try {
    const re = new RegExp(source, 'i');
    // Pairing needs a key: without a capture group every file would pair with every other.
    if (!/\((?!\?)|\(\?<[^=!]/.test(source)) return { pointer, message: `pattern ${source} has no capture group for the pairing key` };
    return re;
  } catch (e) {
    return { pointer, message: `invalid regular expression: ${(e as Error).message}` };
  }
}
