import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Partition, Problem } from '@graphflow/core';
import { isImageFile } from '../decode/image-file';
import { imageFileEntry, type LayoutProblem, type SampleEntry } from '../dataset/sample-entry';

/** Any decodable image, keyed by its stem. */
export const DEFAULT_IMAGE_PATTERN = '^(.+)\\.(?:png|jpe?g|tiff?|gif|webp)$';

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
  /** ROI mask files: folder and a pattern whose capture group 1 is the image's key. */
  roi?: { dir: string; pattern: RegExp };
  /** Partition every pair is pinned to. */
  fixedPartition?: Partition;
  meta?: Record<string, unknown>;
}

interface Listing {
  names: string[];
  /** Broken symbolic links, one problem each. */
  problems: Problem[];
}

/** Regular files and symbolic links to them (datasets are often assembled from links), hidden files left out. */
async function listFiles(dir: string): Promise<Listing | Problem> {
  let items;
  try {
    items = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    return { code: 'GF_DATA_INVALID', message: `cannot read folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file: dir };
  }
  const names: string[] = [];
  const problems: Problem[] = [];
  for (const d of items) {
    if (d.name.startsWith('.')) continue;
    if (d.isFile()) names.push(d.name);
    else if (d.isSymbolicLink()) {
      const file = path.join(dir, d.name);
      const st = await fs.stat(file).catch((e: NodeJS.ErrnoException) => e);
      if (st instanceof Error) problems.push({ code: 'GF_DATA_INVALID', message: `broken symbolic link (${st.code ?? st.message}) to ${await fs.readlink(file).catch(() => '?')}`, file });
      else if (st.isFile()) names.push(d.name);
    }
  }
  return { names: names.sort(), problems };
}

/**
 * Pair images with masks by the key their names' patterns capture. Only names are looked at here;
 * decoding happens in the dataset's scan. Unpaired files become one problem each.
 */
export async function pairFiles(spec: PairFilesSpec): Promise<{ entries: SampleEntry[]; problems: LayoutProblem[] }> {
  const problems: LayoutProblem[] = [];
  const imageListing = await listFiles(spec.imageDir);
  const maskListing = spec.maskDir === spec.imageDir ? imageListing : await listFiles(spec.maskDir);
  if (!('names' in imageListing)) return { entries: [], problems: [imageListing] };
  if (!('names' in maskListing)) return { entries: [], problems: [maskListing] };
  problems.push(...imageListing.problems, ...(maskListing === imageListing ? [] : maskListing.problems));
  const imageNames = imageListing.names;
  const maskNames = maskListing.names;
  const roiFiles = spec.roi ? await roiFilesByKey(spec.roi, [imageListing, maskListing], [spec.imageDir, spec.maskDir], problems) : undefined;
  const prefix = spec.idPrefix ?? '';
  // Which sample an unpaired file would have been, so a split by lists can tell strays from wanted files.
  const would = (key: string): { sampleId: string; group: string } => ({ sampleId: `${prefix}${key}`, group: `${prefix}${spec.groupOf ? spec.groupOf(key) : key}` });

  const masks = new Map<string, string[]>();
  const maskFileSet = new Set<string>();
  for (const name of maskNames) {
    const key = spec.maskPattern.exec(name)?.[1];
    if (key === undefined || !isImageFile(name)) continue;
    masks.set(key, [...(masks.get(key) ?? []), path.join(spec.maskDir, name)]);
    maskFileSet.add(path.join(spec.maskDir, name));
  }
  const roiFileSet = new Set(roiFiles?.values() ?? []);
  const entries: SampleEntry[] = [];
  const used = new Set<string>();
  for (const name of imageNames) {
    const file = path.join(spec.imageDir, name);
    if (maskFileSet.has(file) || roiFileSet.has(file) || !isImageFile(name)) continue;
    const key = spec.imagePattern.exec(name)?.[1];
    if (key === undefined) continue;
    if (used.has(key)) {
      // Two images with one key (e.g. `a.png` and `a.tif`) would silently share a mask and an id.
      problems.push({ code: 'GF_DATA_INVALID', message: `another image already has the pairing key '${key}'`, file, ...would(key) });
      continue;
    }
    const maskFiles = masks.get(key);
    if (!maskFiles) {
      problems.push({ code: 'GF_DATA_INVALID', message: `image has no mask (looked in ${spec.maskDir} for a name matching ${spec.maskPattern} with key '${key}')`, file, ...would(key) });
      used.add(key);
      continue;
    }
    used.add(key);
    const roiFile = roiFiles?.get(key);
    const { sampleId: id, group } = would(key);
    entries.push(imageFileEntry({ id, group, imageFile: file, maskFiles, ...(roiFile ? { roiFile } : {}), ...(spec.fixedPartition ? { fixedPartition: spec.fixedPartition } : {}), ...(spec.meta ? { meta: spec.meta } : {}) }));
  }
  for (const [key, files] of masks) {
    if (!used.has(key)) for (const file of files) problems.push({ code: 'GF_DATA_INVALID', message: `mask has no image (key '${key}' in ${spec.imageDir})`, file, ...would(key) });
  }
  return { entries, problems };
}

/** ROI files by pairing key; the folder is listed once more only when it is not the image or mask folder. */
async function roiFilesByKey(roi: { dir: string; pattern: RegExp }, known: Listing[], knownDirs: string[], problems: Problem[]): Promise<Map<string, string>> {
  const at = knownDirs.indexOf(roi.dir);
  const listing = at >= 0 ? known[at]! : await listFiles(roi.dir);
  if (!('names' in listing)) {
    problems.push(listing);
    return new Map();
  }
  if (at < 0) problems.push(...listing.problems);
  const out = new Map<string, string>();
  for (const name of listing.names) {
    const key = roi.pattern.exec(name)?.[1];
    if (key === undefined || !isImageFile(name)) continue;
    const file = path.join(roi.dir, name);
    if (out.has(key)) problems.push({ code: 'GF_DATA_INVALID', message: `another ROI file (${out.get(key)}) already has the pairing key '${key}'`, file });
    else out.set(key, file);
  }
  return out;
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
