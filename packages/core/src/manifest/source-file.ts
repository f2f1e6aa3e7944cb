import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as jsonMap from 'json-source-map';
import { GraphFlowError } from '../errors/graphflow-error';
import { MANIFEST_LIMITS } from './limits';
import { checkValueLimits, findExcessiveNesting } from './value-limits';

/** A parsed JSON file that remembers where each value sits, so errors can name line and column. */
export interface SourceFile {
  file: string;
  value: unknown;
  /** JSON pointer → 1-based line/column of the value (and of the key, for object members). */
  locate(pointer: string): { line: number; column: number } | undefined;
  has(pointer: string): boolean;
  /** Size of the text in bytes (UTF-8), when read from disk. */
  bytes?: number;
}

export function positionToLineColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { line, column };
}

/**
 * Parse JSON text, keeping where each value sits. Before parsing, the text is scanned for nesting deeper than
 * MANIFEST_LIMITS.maxDepth (the parser recurses); after, the value is checked against the other limits and for
 * `__proto__` / `constructor` / `prototype` keys. Every failure is a GraphFlowError naming the file and line.
 */
export function parseJsonSource(text: string, file: string): SourceFile {
  const deep = findExcessiveNesting(text);
  if (deep) {
    throw new GraphFlowError(
      'GF_MANIFEST_LIMIT',
      `nesting deeper than ${MANIFEST_LIMITS.maxDepth} levels: this value is level ${MANIFEST_LIMITS.maxDepth + 1}, and the text nests ${deep.depth.toLocaleString('en-US')} levels deep (limit ${MANIFEST_LIMITS.maxDepth})`,
      { file, pointer: deep.pointer, ...positionToLineColumn(text, deep.position) },
    );
  }
  let parsed: { data: unknown; pointers: Record<string, { value: { line: number; column: number }; key?: { line: number; column: number } }> };
  try {
    parsed = jsonMap.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const match = /position (\d+)/.exec(message);
    const where = match ? positionToLineColumn(text, Number(match[1])) : undefined;
    let detail = message.replace(/ in JSON at position \d+/, '');
    if (/Unexpected end of JSON input/.test(message) || text.trim() === '') detail = 'unexpected end of input';
    throw new GraphFlowError('GF_MANIFEST_JSON', `invalid JSON: ${detail}`, { file, ...(where ?? {}) });
  }
  const pointers = parsed.pointers;
  const source: SourceFile = {
    file,
    value: parsed.data,
    has: (pointer) => Object.prototype.hasOwnProperty.call(pointers, pointer),
    locate(pointer) {
      // A pointer that does not exist (e.g. a missing required key) is located at its nearest existing parent.
      let p = pointer;
      for (;;) {
        const entry = pointers[p];
        if (entry) {
          const at = entry.key ?? entry.value;
          return { line: at.line + 1, column: at.column + 1 };
        }
        if (p === '') return undefined;
        p = p.slice(0, p.lastIndexOf('/'));
      }
    },
  };
  checkValueLimits(parsed.data, { locate: (pointer) => ({ file, ...(source.locate(pointer) ?? {}) }), hasPointer: source.has });
  return source;
}

class TooLarge extends Error {
  constructor(readonly bytes: number, readonly exact: boolean) {
    super('too large');
  }
}

/** Read at most `maxBytes` (a pipe or device is read in chunks, so `/dev/zero` cannot exhaust memory). */
async function readCapped(file: string, maxBytes: number, regularOnly: boolean): Promise<Buffer> {
  // A base named by `extends` must be a plain file: opening a FIFO without a writer would wait forever.
  if (regularOnly) {
    const stat = await fs.stat(file);
    if (!stat.isFile() && !stat.isDirectory()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
  }
  const handle = await fs.open(file, 'r');
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (stat.isFile() && stat.size > maxBytes) throw new TooLarge(stat.size, true);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      chunks.push(chunk.subarray(0, bytesRead));
      if (total > maxBytes) throw new TooLarge(total, false);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/** Read and parse a JSON file (see parseJsonSource); at most `maxBytes` (MANIFEST_LIMITS.maxFileBytes) are read. */
export async function readJsonSource(file: string, referencedFrom?: { file: string; pointer: string }, maxBytes: number = MANIFEST_LIMITS.maxFileBytes): Promise<SourceFile> {
  const absolute = path.resolve(file);
  let text: string;
  let bytes: number;
  try {
    const buffer = await readCapped(absolute, maxBytes, referencedFrom !== undefined);
    bytes = buffer.length;
    text = buffer.toString('utf8');
  } catch (e) {
    if (e instanceof TooLarge) {
      const found = e.exact ? `${e.bytes.toLocaleString('en-US')} bytes` : `more than ${maxBytes.toLocaleString('en-US')} bytes`;
      const via = referencedFrom ? ` (extended by ${referencedFrom.file} at ${referencedFrom.pointer})` : '';
      throw new GraphFlowError('GF_MANIFEST_LIMIT', `file is ${found}, more than the limit of ${maxBytes.toLocaleString('en-US')} bytes${via}`, { file: absolute });
    }
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'ENOTREG' ? 'not a regular file' : (e as Error).message;
    throw new GraphFlowError('GF_MANIFEST_NOT_FOUND', `cannot read manifest ${absolute}: ${why}`, {
      ...(referencedFrom ? { file: referencedFrom.file, pointer: referencedFrom.pointer } : { file: absolute }),
      cause: e,
    });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ...parseJsonSource(text, absolute), bytes };
}
