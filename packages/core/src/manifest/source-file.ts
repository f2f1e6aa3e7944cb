import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as jsonMap from 'json-source-map';
import { GraphFlowError } from '../errors/graphflow-error';

/** A parsed JSON file that remembers where each value sits, so errors can name line and column. */
export interface SourceFile {
  file: string;
  value: unknown;
  /** JSON pointer → 1-based line/column of the value (and of the key, for object members). */
  locate(pointer: string): { line: number; column: number } | undefined;
  has(pointer: string): boolean;
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

export function parseJsonSource(text: string, file: string): SourceFile {
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
  return {
    file,
    value: parsed.data,
    has: (pointer) => pointer in pointers,
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
}

export async function readJsonSource(file: string, referencedFrom?: { file: string; pointer: string }): Promise<SourceFile> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await fs.readFile(absolute, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new GraphFlowError('GF_MANIFEST_NOT_FOUND', `cannot read manifest ${absolute}: ${why}`, {
      ...(referencedFrom ? { file: referencedFrom.file, pointer: referencedFrom.pointer } : { file: absolute }),
      cause: e,
    });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parseJsonSource(text, absolute);
}
