import type { ErrorObject } from 'ajv';
import type { Problem } from '../errors/graphflow-error';
import type { ErrorCode } from '../errors/codes';
import { closest, type Suggester } from '../util/suggest';
import { joinPointer } from './json-pointer';

/**
 * Turn ajv errors into GraphFlow problems: one per real mistake, pointing at the offending key,
 * with what was expected and a near-miss suggestion for misspelled keys and enum values.
 * `prefix` is the JSON pointer of the validated object inside the manifest.
 */
export function ajvErrorsToProblems(errors: readonly ErrorObject[] | null | undefined, prefix: string, code: ErrorCode = 'GF_MANIFEST_INVALID', suggester?: Suggester): Problem[] {
  if (!errors) return [];
  // Branch errors of a failed oneOf/anyOf are noise next to the one "matches no allowed form" error.
  // (A set of union schema paths, each error checked against its own path prefixes: linear in the errors.)
  const unions = new Set(errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.schemaPath));
  const insideUnion = (schemaPath: string) => {
    for (let i = schemaPath.lastIndexOf('/'); i > 0; i = schemaPath.lastIndexOf('/', i - 1)) {
      if (unions.has(schemaPath.slice(0, i))) return true;
    }
    return false;
  };
  const relevant = unions.size ? errors.filter((e) => !insideUnion(e.schemaPath)) : errors;
  const suggest = (input: string, candidates: string[], list: string) => (suggester ? suggester.closest(input, candidates, list) : closest(input, candidates));
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of relevant) {
    const problem = toProblem(error, prefix, code, suggest);
    const key = `${problem.pointer}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

type Suggest = (input: string, candidates: string[], list: string) => string | undefined;

function toProblem(error: ErrorObject, prefix: string, code: ErrorCode, suggest: Suggest): Problem {
  const at = prefix + error.instancePath;
  const params = error.params as Record<string, unknown>;
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  switch (error.keyword) {
    case 'additionalProperty':
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const allowed = Object.keys((parent?.['properties'] as Record<string, unknown> | undefined) ?? {});
      const suggestion = suggest(key, allowed, `keys:${error.schemaPath}`);
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
      const suggestion = typeof value === 'string' ? suggest(value, allowed.filter((v): v is string => typeof v === 'string'), `enum:${error.schemaPath}`) : undefined;
      return {
        code,
        pointer: at,
        message: `value ${shortJson(value)} is not allowed`,
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
        message: `value ${shortJson(error.data)} has the wrong form`,
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
