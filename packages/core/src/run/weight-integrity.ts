import { createHash } from 'node:crypto';
import { GraphFlowError } from '../errors/graphflow-error';

/**
 * Integrity of weight files, shared by every GraphFlow weight format (trainer checkpoints and snapshots, module
 * weights, tfjs layers models): SHA-256 digests, a finiteness scan, and the validation of a weight index (where each
 * tensor's values lie in the binary). No tfjs here: the formats decode bytes themselves.
 */

/** Element types a GraphFlow weight file may hold (4 bytes each). */
export const WEIGHT_DTYPES = ['float32', 'int32'] as const;
export type WeightDtype = (typeof WEIGHT_DTYPES)[number];

/** One tensor's place in a weight binary, after validation. */
export interface WeightSpan {
  name: string;
  shape: number[];
  dtype: WeightDtype;
  /** Byte offset into the binary. */
  offset: number;
  /** Byte length: product of the shape × 4. */
  bytes: number;
  /** SHA-256 (hex) of this tensor's bytes, when the index records it. */
  sha256?: string;
}

export interface VerifiedTensor {
  entry: WeightSpan;
  values: Float32Array | Int32Array;
}

/** SHA-256 (lowercase hex) of bytes or text; several chunks hash as their concatenation. */
export function sha256Hex(data: Uint8Array | string | readonly (Uint8Array | string)[]): string {
  const hash = createHash('sha256');
  for (const chunk of Array.isArray(data) ? data : [data]) hash.update(chunk as Uint8Array | string);
  return hash.digest('hex');
}

const HEX_DIGEST = /^[0-9a-f]{64}$/;

export interface NonFiniteScan {
  /** Values that are NaN or ±Infinity. */
  count: number;
  /** Indices of the first few of them. */
  first: number[];
}

/** Counts NaN/±Infinity values (and where the first `keep` are); one pass, no allocation when all are finite. */
export function scanNonFinite(values: ArrayLike<number>, keep = 3): NonFiniteScan {
  let count = 0;
  const first: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // v - v is 0 for every finite number and NaN for NaN and ±Infinity.
    if (v - v !== 0) {
      if (first.length < keep) first.push(i);
      count++;
    }
  }
  return { count, first };
}

export interface NonFiniteTensor {
  name: string;
  size: number;
  count: number;
  first: number[];
}

/** "model/bn/moving_variance (16 of 16 values, first at [0, 1, 2]), model/conv/kernel (…) and 3 more" */
export function describeNonFinite(found: readonly NonFiniteTensor[], max = 4): string {
  const shown = found.slice(0, max).map((t) => `${t.name} (${t.count} of ${t.size} values, first at [${t.first.join(', ')}])`);
  const more = found.length > max ? ` and ${found.length - max} more` : '';
  return `${shown.join(', ')}${more}`;
}

/** Scans named arrays and returns the ones holding NaN/±Infinity. */
export function findNonFinite(arrays: Iterable<{ name: string; values: ArrayLike<number> }>): NonFiniteTensor[] {
  const found: NonFiniteTensor[] = [];
  for (const { name, values } of arrays) {
    const scan = scanNonFinite(values);
    if (scan.count > 0) found.push({ name, size: values.length, ...scan });
  }
  return found;
}

export interface WeightEntryProblem {
  /** Position of the entry in the index. */
  index: number;
  /** Entry name when it is a string. */
  name?: string;
  message: string;
}

const BYTES_PER_ELEMENT = 4;

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Validates a weight index's raw entries (as parsed from JSON) against a binary of `binBytes` bytes: every entry is an
 * object with a non-empty unique string `name`, a `shape` array of non-negative safe integers, a `dtype` from
 * WEIGHT_DTYPES, integer `offset`/`bytes` with `bytes` = product(shape) × 4 and the span inside the binary, and spans
 * do not overlap. With `contiguous` (every GraphFlow writer) the spans must also tile the binary exactly, in order.
 * Returns the entries that passed and every problem found.
 */
export function checkWeightEntries(raw: unknown, binBytes: number, options: { contiguous?: boolean } = {}): { entries: WeightSpan[]; problems: WeightEntryProblem[] } {
  const problems: WeightEntryProblem[] = [];
  if (!Array.isArray(raw)) return { entries: [], problems: [{ index: -1, message: 'the weight index has no list of entries' }] };
  const entries: WeightSpan[] = [];
  const names = new Set<string>();
  raw.forEach((e: unknown, index) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) {
      problems.push({ index, message: `entry ${index} is not an object` });
      return;
    }
    const o = e as Record<string, unknown>;
    const name = typeof o['name'] === 'string' && o['name'].length > 0 ? o['name'] : undefined;
    const label = name !== undefined ? `"${name}"` : `entry ${index}`;
    const bad = (message: string) => problems.push({ index, ...(name !== undefined ? { name } : {}), message: `${label}: ${message}` });
    const before = problems.length;
    if (name === undefined) bad('name must be a non-empty string');
    else if (names.has(name)) bad('name appears twice');
    else names.add(name);
    const shape = o['shape'];
    let elements = 1;
    if (!Array.isArray(shape) || !shape.every(isCount)) bad(`shape must be an array of non-negative integers, got ${JSON.stringify(shape) ?? 'nothing'}`);
    else elements = (shape as number[]).reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(elements * BYTES_PER_ELEMENT)) bad('shape is too large');
    const dtype = o['dtype'];
    if (typeof dtype !== 'string' || !(WEIGHT_DTYPES as readonly string[]).includes(dtype)) bad(`dtype must be one of ${WEIGHT_DTYPES.join(', ')}, got ${JSON.stringify(dtype) ?? 'nothing'}`);
    const offset = o['offset'];
    const bytes = o['bytes'];
    if (!isCount(offset)) bad(`offset must be a non-negative integer, got ${JSON.stringify(offset) ?? 'nothing'}`);
    if (!isCount(bytes)) bad(`bytes must be a non-negative integer, got ${JSON.stringify(bytes) ?? 'nothing'}`);
    else if (problems.length === before && bytes !== elements * BYTES_PER_ELEMENT) bad(`bytes is ${bytes} but shape [${(shape as number[]).join(',')}] of ${dtype} needs ${elements * BYTES_PER_ELEMENT}`);
    if (problems.length === before && (offset as number) + (bytes as number) > binBytes) {
      bad(`bytes ${offset}..${(offset as number) + (bytes as number)} lie outside the ${binBytes}-byte binary (truncated file?)`);
    }
    const sha = o['sha256'];
    if (sha !== undefined && (typeof sha !== 'string' || !HEX_DIGEST.test(sha))) bad('sha256 must be 64 lowercase hex digits');
    if (problems.length === before) {
      entries.push({ name: name!, shape: [...(shape as number[])], dtype: dtype as WeightDtype, offset: offset as number, bytes: bytes as number, ...(typeof sha === 'string' ? { sha256: sha } : {}) });
    }
  });
  if (problems.length > 0) return { entries, problems };
  // Overlaps (and, for contiguous formats, gaps and order).
  const order = options.contiguous ? entries.map((_, i) => i) : entries.map((_, i) => i).sort((a, b) => entries[a]!.offset - entries[b]!.offset);
  let end = 0;
  for (const i of order) {
    const e = entries[i]!;
    if (e.offset < end) problems.push({ index: i, name: e.name, message: `"${e.name}": bytes from ${e.offset} overlap the previous tensor (which ends at ${end})` });
    else if (options.contiguous && e.offset !== end) problems.push({ index: i, name: e.name, message: `"${e.name}": starts at byte ${e.offset}, expected ${end} (entries are stored back to back)` });
    end = Math.max(end, e.offset + e.bytes);
  }
  if (options.contiguous && problems.length === 0 && end !== binBytes) {
    problems.push({ index: entries.length - 1, message: `the binary has ${binBytes} bytes but the index describes ${end} (${binBytes < end ? 'truncated' : 'extended'} file?)` });
  }
  return { entries, problems };
}

/** Digest of an index's entries (name, dtype, shape, offset, bytes, per-tensor digest), independent of JSON layout. */
export function weightEntriesDigest(entries: readonly WeightSpan[]): string {
  return sha256Hex(JSON.stringify(entries.map((e) => [e.name, e.dtype, e.shape, e.offset, e.bytes, e.sha256 ?? null])));
}

/** A tensor's values as an aligned typed-array copy (Buffer slices may start at offsets typed arrays cannot view). */
export function tensorValues(bin: Uint8Array, entry: WeightSpan): Float32Array | Int32Array {
  const copy = new Uint8Array(entry.bytes);
  copy.set(bin.subarray(entry.offset, entry.offset + entry.bytes));
  return entry.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
}

export interface WeightFileCheck {
  /** The index file (named in problems about entries). */
  indexFile: string;
  /** The binary (named in problems about bytes). */
  binFile: string;
  /** JSON pointer of the entries list inside the index, e.g. `/entries`. */
  pointer: string;
  /** The raw (parsed, unvalidated) entries. */
  entries: unknown;
  bin: Uint8Array;
  /** Recorded SHA-256 of the whole binary (undefined in indexes written before digests were recorded). */
  sha256: unknown;
  /** Recorded weightEntriesDigest of the entries. */
  entriesSha256: unknown;
}

export interface VerifiedWeightFile {
  tensors: Map<string, VerifiedTensor>;
  /** False for an index without digests (written by an older GraphFlow): sizes, offsets and finiteness were checked, bit flips could not be. */
  verified: boolean;
}

function corrupt(message: string, location: { file: string; pointer?: string }): GraphFlowError {
  return new GraphFlowError('GF_CHECKPOINT_CORRUPT', message, location);
}

/**
 * Everything a loader checks before any value reaches a network, in one place for every format: the index entries
 * (see checkWeightEntries, contiguous), the recorded digests of the entries and of the binary (naming the damaged
 * tensor when per-tensor digests are recorded), and that no float value is NaN/±Infinity (GraphFlow never writes
 * them). Any failure is GF_CHECKPOINT_CORRUPT naming the file and the tensor.
 */
export function verifyWeightFile(check: WeightFileCheck): VerifiedWeightFile {
  const { indexFile, binFile, bin } = check;
  const { entries, problems } = checkWeightEntries(check.entries, bin.byteLength, { contiguous: true });
  if (problems.length > 0) {
    const p = problems[0]!;
    const more = problems.length > 1 ? ` (+${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    const aboutBytes = /outside|truncated|extended/.test(p.message);
    throw corrupt(`damaged weight index ${indexFile}: ${p.message}${more}`, { file: aboutBytes ? binFile : indexFile, pointer: p.index >= 0 ? `${check.pointer}/${p.index}` : check.pointer });
  }
  for (const [key, value] of [['sha256', check.sha256], ['entriesSha256', check.entriesSha256]] as const) {
    if (value !== undefined && (typeof value !== 'string' || !HEX_DIGEST.test(value))) throw corrupt(`damaged weight index ${indexFile}: ${key} must be 64 lowercase hex digits`, { file: indexFile, pointer: `/${key}` });
  }
  if (typeof check.entriesSha256 === 'string' && weightEntriesDigest(entries) !== check.entriesSha256) {
    throw corrupt(`damaged weight index ${indexFile}: its entries (names, shapes, offsets) do not match their recorded SHA-256`, { file: indexFile, pointer: check.pointer });
  }
  if (typeof check.sha256 === 'string' && sha256Hex(bin) !== check.sha256) {
    // Name the damaged tensors when per-tensor digests exist (only computed on this failure path).
    const damaged = entries.filter((e) => e.sha256 !== undefined && sha256Hex(bin.subarray(e.offset, e.offset + e.bytes)) !== e.sha256).map((e) => `"${e.name}"`);
    const which = damaged.length > 0 ? `: damaged bytes in ${damaged.slice(0, 4).join(', ')}${damaged.length > 4 ? ` and ${damaged.length - 4} more` : ''}` : '';
    throw corrupt(`${binFile} does not match its recorded SHA-256 (flipped bytes or a replaced file)${which}`, { file: binFile });
  }
  const tensors = new Map<string, VerifiedTensor>();
  for (const [i, entry] of entries.entries()) {
    const values = tensorValues(bin, entry);
    if (entry.dtype === 'float32') {
      const scan = scanNonFinite(values);
      if (scan.count > 0) {
        throw corrupt(`${binFile}: weight "${entry.name}" holds ${scan.count} non-finite values of ${values.length} (first at [${scan.first.join(', ')}]); GraphFlow never writes NaN/Infinity`, {
          file: binFile,
          pointer: `${check.pointer}/${i}`,
        });
      }
    }
    tensors.set(entry.name, { entry, values });
  }
  return { tensors, verified: typeof check.sha256 === 'string' && typeof check.entriesSha256 === 'string' };
}

/** Index fields a writer records: the binary's digest and the entries' digest (per-tensor digests go into the entries). */
export function weightDigests(entries: readonly WeightSpan[], bin: Uint8Array): { sha256: string; entriesSha256: string } {
  return { sha256: sha256Hex(bin), entriesSha256: weightEntriesDigest(entries) };
}

/** A JSON object with a digest of its own content under `digest` (see checkJsonDigest). */
export function withJsonDigest<T extends object>(value: T): T & { digest: string } {
  return { ...value, digest: sha256Hex(JSON.stringify(value)) };
}

/**
 * For JSON written by withJsonDigest: 'ok', 'absent' (written before digests were recorded) or 'mismatch'.
 * JSON.stringify of the parsed object reproduces the written text, so the digest covers every field.
 */
export function checkJsonDigest(parsed: unknown): 'ok' | 'absent' | 'mismatch' {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'mismatch';
  const { digest, ...rest } = parsed as Record<string, unknown>;
  if (digest === undefined) return 'absent';
  return typeof digest === 'string' && sha256Hex(JSON.stringify(rest)) === digest ? 'ok' : 'mismatch';
}

/** Something with pino's `warn(object, message)`. */
export interface WarningSink {
  warn(obj: object, msg: string): void;
}

/**
 * Says that a weight file without recorded digests was loaded (sizes, offsets and finiteness were checked): on
 * `logger` when there is one, else as a process warning.
 */
export function warnUnverifiedWeights(file: string, logger?: WarningSink): void {
  const message = `${file} has no recorded SHA-256 (written by an older GraphFlow): loaded after checking sizes, offsets and finiteness; damaged values cannot be detected`;
  if (logger) logger.warn({ file }, message);
  else process.emitWarning(message, { code: 'GRAPHFLOW_UNVERIFIED_WEIGHTS' });
}
