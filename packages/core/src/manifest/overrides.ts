import { GraphFlowError } from '../errors/graphflow-error';
import { FORBIDDEN_KEYS, MANIFEST_LIMITS, isForbiddenKey } from './limits';
import { getOwn, isPlainObject, setOwn } from './merge';
import { checkValueLimits } from './value-limits';

/** Keys a top-level component spec has itself; any other key after such a spec addresses its `options`. */
const SPEC_KEYS = new Set(['type', 'options', 'name', 'description', 'enabled', 'initSeed']);

export interface Override {
  /** Dot path as typed, e.g. `stages.1.epochs` or `models.student.options.width`. */
  path: string;
  value: unknown;
  /** Original text, for error messages. */
  source: string;
}

/**
 * Why an override path is unusable, or undefined when it is fine: it must be dot-separated keys or indices, at most
 * MANIFEST_LIMITS.maxOverridePathSegments of them, none `__proto__`, `constructor` or `prototype`.
 * Returns the error code with the reason (a forbidden or malformed path is GF_OVERRIDE_INVALID, a long one GF_MANIFEST_LIMIT).
 */
export function overridePathProblem(path: string): { code: 'GF_OVERRIDE_INVALID' | 'GF_MANIFEST_LIMIT'; message: string } | undefined {
  if (!/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(path)) {
    return { code: 'GF_OVERRIDE_INVALID', message: `override path "${shorten(path)}" must be dot-separated keys or indices (e.g. models.student.options.width)` };
  }
  const segments = path.split('.');
  const forbidden = segments.find(isForbiddenKey);
  if (forbidden !== undefined) {
    return { code: 'GF_OVERRIDE_INVALID', message: `override path "${shorten(path)}" uses "${forbidden}", which is not allowed in a path (${[...FORBIDDEN_KEYS].map((k) => `"${k}"`).join(', ')})` };
  }
  if (segments.length > MANIFEST_LIMITS.maxOverridePathSegments) {
    return { code: 'GF_MANIFEST_LIMIT', message: `override path has ${segments.length} segments, more than the limit of ${MANIFEST_LIMITS.maxOverridePathSegments}` };
  }
  return undefined;
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/**
 * Parse `--set path=value`. The value is read as JSON when it parses (numbers, booleans, null, arrays, objects,
 * quoted strings) and as a plain string otherwise, so `--set name=trial3` and `--set seed=7` both do what one means.
 */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new GraphFlowError('GF_OVERRIDE_INVALID', `override "${shorten(text)}" must look like path=value (e.g. stages.1.epochs=5)`);
  }
  const path = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  const problem = overridePathProblem(path);
  if (problem) throw new GraphFlowError(problem.code, problem.message);
  if (raw.length > MANIFEST_LIMITS.maxFileBytes) {
    throw new GraphFlowError('GF_MANIFEST_LIMIT', `--set ${path}: value of ${raw.length.toLocaleString('en-US')} characters is longer than the limit of ${MANIFEST_LIMITS.maxFileBytes.toLocaleString('en-US')}`);
  }
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  const override = { path, value, source: text };
  checkOverrideValue(override);
  return override;
}

/** Limits and forbidden keys inside an override's value (JSON.parse keeps a `"__proto__"` key as an own key). */
function checkOverrideValue(override: Override): void {
  checkValueLimits(override.value, { label: `--set ${shorten(override.path)}`, forbiddenCode: 'GF_OVERRIDE_INVALID', baseDepth: override.path.split('.').length });
}

/**
 * Apply overrides to a manifest in place. Path segments are object keys, array indices, or — in arrays of named
 * items such as `stages` — item names (`stages.teacher.epochs`). Inside a component spec, keys other than its own
 * (`type`, `options`, `name`, `description`, `enabled`, `initSeed`) address its options: `stages.1.epochs` means
 * `stages.1.options.epochs`. Only own properties are followed, and a path or value with a `__proto__`, `constructor`
 * or `prototype` key is refused (GF_OVERRIDE_INVALID), so no override can reach an object's prototype.
 */
export function applyOverrides(manifest: Record<string, unknown>, overrides: readonly Override[]): void {
  for (const override of overrides) applyOne(manifest, override);
}

/** `data`, `models.<name>` and `stages.<i>` are the specs whose options may be addressed without `options`. */
function isTopLevelSpec(walked: readonly string[]): boolean {
  return (walked.length === 1 && walked[0] === 'data') || (walked.length === 2 && (walked[0] === 'models' || walked[0] === 'stages'));
}

function applyOne(root: Record<string, unknown>, override: Override): void {
  const fail = (why: string): never => {
    throw new GraphFlowError('GF_OVERRIDE_INVALID', `--set ${shorten(override.source)}: ${why}`);
  };
  // Overrides built in code (ablation variants) do not pass through parseOverride: check them here too.
  if (typeof override.path !== 'string') fail('the path must be a string');
  const problem = overridePathProblem(override.path);
  if (problem) throw new GraphFlowError(problem.code, `--set ${shorten(override.source)}: ${problem.message}`);
  checkOverrideValue(override);
  const segments = override.path.split('.');
  let node: unknown = root;
  const walked: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (isPlainObject(node) && isTopLevelSpec(walked) && !SPEC_KEYS.has(segment)) {
      if (!isPlainObject(getOwn(node, 'options'))) setOwn(node, 'options', {});
      node = node['options'];
      walked.push('options');
    }
    if (Array.isArray(node)) {
      let index: number;
      if (/^\d+$/.test(segment)) {
        index = Number(segment);
        if (index >= node.length) fail(`index ${index} is past the end of ${walked.join('.') || 'the manifest'} (length ${node.length})`);
      } else {
        index = node.findIndex((item) => isPlainObject(item) && getOwn(item, 'name') === segment);
        if (index < 0) {
          const names = node.filter(isPlainObject).map((item) => getOwn(item, 'name')).filter((n): n is string => typeof n === 'string');
          const shown = names.length > 20 ? `${names.slice(0, 20).join(', ')}, … (${names.length} in all)` : names.join(', ');
          fail(`no item named "${segment}" in ${walked.join('.')}${names.length ? ` (names: ${shown})` : ''}`);
        }
      }
      if (last) node[index] = override.value;
      else node = node[index];
      walked.push(segment);
      continue;
    }
    if (!isPlainObject(node)) {
      fail(`${walked.join('.')} is not an object or array, cannot set "${segment}" inside it`);
    }
    const obj = node as Record<string, unknown>;
    if (last) {
      setOwn(obj, segment, override.value);
    } else {
      const next = getOwn(obj, segment);
      if (next === undefined || next === null) setOwn(obj, segment, /^\d+$/.test(segments[i + 1]!) ? [] : {});
      node = obj[segment];
    }
    walked.push(segment);
  }
}
