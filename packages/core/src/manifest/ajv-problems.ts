import type { ErrorObject } from 'ajv';
import type { Problem } from '../errors/graphflow-error';
import type { ErrorCode } from '../errors/codes';
import { closest } from '../util/suggest';
import { joinPointer } from './json-pointer';

/**
 * Turn ajv errors into GraphFlow problems: one per real mistake, pointing at the offending key,
 * with what was expected and a near-miss suggestion for misspelled keys and enum values.
 * `prefix` is the JSON pointer of the validated object inside the manifest.
 */
export function ajvErrorsToProblems(errors: readonly ErrorObject[] | null | undefined, prefix: string, code: ErrorCode = 'GF_MANIFEST_INVALID'): Problem[] {
  if (!errors) return [];
  // Branch errors of a failed oneOf/anyOf are noise next to the one "matches no allowed form" error.
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.schemaPath);
  const relevant = errors.filter((e) => !unions.some((u) => e.schemaPath !== u && e.schemaPath.startsWith(`${u}/`)));
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of relevant) {
    const problem = toProblem(error, prefix, code);
    const key = `${problem.pointer}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function toProblem(error: ErrorObject, prefix: string, code: ErrorCode): Problem {
  const at = prefix + error.instancePath;
  const params = error.params as Record<string, unknown>;
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  switch (error.keyword) {
    case 'additionalProperty':
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const allowed = Object.keys((parent?.['properties'] as Record<string, unknown> | undefined) ?? {});
      const suggestion = closest(key, allowed);
      return {
        code,
        pointer: joinPointer(at, key),
        message: `unknown key "${key}"`,
        ...(allowed.length ? { expected: `one of the keys ${allowed.map((k) => `"${k}"`).join(', ')}` } : { expected: 'no further keys' }),
        ...(suggestion ? { suggestion } : {}),
      };
    }
    case 'required': {
      const key = String(params['missingProperty']);
      return { code, pointer: joinPointer(at, key), message: `missing required key "${key}"` };
    }
    case 'type':
      return { code, pointer: at, message: 'wrong type', expected: `${String(params['type'])}` };
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]) ?? [];
      const value = error.data;
      const suggestion = typeof value === 'string' ? closest(value, allowed.filter((v): v is string => typeof v === 'string')) : undefined;
      return {
        code,
        pointer: at,
        message: `value ${JSON.stringify(value)} is not allowed`,
        expected: `one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
        ...(suggestion ? { suggestion } : {}),
      };
    }
    case 'oneOf':
    case 'anyOf': {
      const branches = (error.schema as Record<string, unknown>[] | undefined) ?? [];
      const forms = branches.map(describeSchema).join(' or ');
      return { code, pointer: at, message: 'value matches none of the allowed forms', expected: forms };
    }
    case 'pattern':
      return {
        code,
        pointer: at,
        message: `value ${JSON.stringify(error.data)} has the wrong form`,
        expected: typeof parent?.['description'] === 'string' ? String(parent['description']) : `a string matching ${String(params['pattern'])}`,
      };
    default:
      return { code, pointer: at, message: `value ${shortJson(error.data)} is invalid`, expected: (error.message ?? 'a valid value').replace(/^must (be )?/, '') };
  }
}

function describeSchema(schema: Record<string, unknown>): string {
  if (typeof schema['type'] === 'string') {
    if (schema['type'] === 'object' && schema['properties']) return `an object with keys ${Object.keys(schema['properties'] as object).join(', ')}`;
    if (schema['type'] === 'array') return 'an array';
    return `a ${schema['type']}`;
  }
  if ('const' in schema) return JSON.stringify(schema['const']);
  return 'a value of another form';
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
