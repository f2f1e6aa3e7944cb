import { GraphFlowError } from '../errors/graphflow-error';
import { isPlainObject } from './merge';

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
 * Parse `--set path=value`. The value is read as JSON when it parses (numbers, booleans, null, arrays, objects,
 * quoted strings) and as a plain string otherwise, so `--set name=trial3` and `--set seed=7` both do what one means.
 */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new GraphFlowError('GF_OVERRIDE_INVALID', `override "${text}" must look like path=value (e.g. stages.1.epochs=5)`);
  }
  const path = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  if (!/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(path)) {
    throw new GraphFlowError('GF_OVERRIDE_INVALID', `override path "${path}" must be dot-separated keys or indices (e.g. models.student.options.width)`);
  }
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  return { path, value, source: text };
}

/**
 * Apply overrides to a manifest in place. Path segments are object keys, array indices, or — in arrays of named
 * items such as `stages` — item names (`stages.teacher.epochs`). Inside a component spec, keys other than its own
 * (`type`, `options`, `name`, `description`, `enabled`, `initSeed`) address its options: `stages.1.epochs` means
 * `stages.1.options.epochs`.
 */
export function applyOverrides(manifest: Record<string, unknown>, overrides: readonly Override[]): void {
  for (const override of overrides) applyOne(manifest, override);
}

/** `data`, `models.<name>` and `stages.<i>` are the specs whose options may be addressed without `options`. */
function isTopLevelSpec(walked: readonly string[]): boolean {
  return (walked.length === 1 && walked[0] === 'data') || (walked.length === 2 && (walked[0] === 'models' || walked[0] === 'stages'));
}

function applyOne(root: Record<string, unknown>, override: Override): void {
  const segments = override.path.split('.');
  let node: unknown = root;
  const walked: string[] = [];
  const fail = (why: string): never => {
    throw new GraphFlowError('GF_OVERRIDE_INVALID', `--set ${override.source}: ${why}`);
  };
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (isPlainObject(node) && isTopLevelSpec(walked) && !SPEC_KEYS.has(segment)) {
      if (!isPlainObject(node['options'])) node['options'] = {};
      node = node['options'];
      walked.push('options');
    }
    if (Array.isArray(node)) {
      let index: number;
      if (/^\d+$/.test(segment)) {
        index = Number(segment);
        if (index >= node.length) fail(`index ${index} is past the end of ${walked.join('.') || 'the manifest'} (length ${node.length})`);
      } else {
        index = node.findIndex((item) => isPlainObject(item) && item['name'] === segment);
        if (index < 0) {
          const names = node.filter(isPlainObject).map((item) => item['name']).filter((n) => typeof n === 'string');
          fail(`no item named "${segment}" in ${walked.join('.')}${names.length ? ` (names: ${names.join(', ')})` : ''}`);
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
      obj[segment] = override.value;
    } else {
      if (obj[segment] === undefined || obj[segment] === null) obj[segment] = /^\d+$/.test(segments[i + 1]!) ? [] : {};
      node = obj[segment];
    }
    walked.push(segment);
  }
}
