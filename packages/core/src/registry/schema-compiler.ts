import Ajv, { type ValidateFunction, type AnySchemaObject } from 'ajv';
import addFormats from 'ajv-formats';

/** Keys under which GraphFlow's schema keywords record what they saw during one validation. */
export interface KeywordHit {
  keyword: 'gfRef' | 'gfComponent';
  /** Value of the keyword in the schema (namespace for gfRef, kind for gfComponent). */
  argument: string;
  /** Instance path relative to the validated object. */
  instancePath: string;
  data: unknown;
}

let hits: KeywordHit[] | null = null;

/**
 * Run `fn` (a validation) while collecting gfRef / gfComponent occurrences.
 * Ajv validation is synchronous, so a module-level collector is safe.
 */
export function collectKeywordHits<T>(fn: () => T): { result: T; hits: KeywordHit[] } {
  const previous = hits;
  hits = [];
  try {
    const result = fn();
    return { result, hits };
  } finally {
    hits = previous;
  }
}

function recordingKeyword(keyword: 'gfRef' | 'gfComponent', type: 'string' | 'object') {
  return {
    keyword,
    type,
    schemaType: 'string' as const,
    errors: false,
    validate(schema: string, data: unknown, _parent?: AnySchemaObject, cxt?: { instancePath: string }) {
      hits?.push({ keyword, argument: schema, instancePath: cxt?.instancePath ?? '', data });
      return true;
    },
  };
}

/** One shared Ajv instance: defaults filled in, all errors reported, GraphFlow keywords known. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, useDefaults: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword(recordingKeyword('gfRef', 'string'));
  ajv.addKeyword(recordingKeyword('gfComponent', 'object'));
  // Documentation-only keywords plugin authors commonly use.
  ajv.addKeyword({ keyword: 'x-unit' });
  return ajv;
}

export type { ValidateFunction };
