import { GraphFlowError } from '../errors/graphflow-error';
import { isForbiddenKey } from './limits';

/**
 * How a manifest inherits from the one it `extends` (documented in the manifest schema and docs/manifest.md):
 * - objects merge key by key, recursively;
 * - a `null` in the child deletes the key;
 * - arrays whose items are all objects with a string `name` (e.g. `stages`) merge by name:
 *   the base order is kept, same-named items merge recursively, new names are appended;
 * - the `plugins` list is the union of both, base first;
 * - any other array or value in the child replaces the base.
 * Inputs are not modified and the result shares nothing with them. Only own keys are read, and a `__proto__`,
 * `constructor` or `prototype` key is refused (GF_MANIFEST_INVALID): manifests loaded from files never have one.
 * Recursion follows the nesting, which MANIFEST_LIMITS.maxDepth bounds for loaded manifests.
 */
export function mergeManifests(base: unknown, child: unknown, key?: string): unknown {
  if (child === undefined) return clone(base);
  if (child === null) return undefined;
  if (key === 'plugins' && Array.isArray(base) && Array.isArray(child)) {
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (const item of [...base, ...child]) {
      const id = typeof item === 'string' ? item : JSON.stringify((item as { name?: unknown })?.name ?? item);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(clone(item));
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(child) && isNamedList(base) && isNamedList(child)) {
    const out = base.map((item) => clone(item)) as Record<string, unknown>[];
    // First index of each name, so a long list merges in linear time.
    const at = new Map<unknown, number>();
    out.forEach((item, i) => {
      if (!at.has(item['name'])) at.set(item['name'], i);
    });
    for (const item of child as Record<string, unknown>[]) {
      const i = at.get(item['name']);
      if (i !== undefined) {
        out[i] = mergeManifests(out[i], item) as Record<string, unknown>;
      } else {
        at.set(item['name'], out.length);
        out.push(clone(item) as Record<string, unknown>);
      }
    }
    return out;
  }
  if (isPlainObject(base) && isPlainObject(child)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(base)) setOwn(out, k, clone(v));
    for (const [k, v] of Object.entries(child)) {
      const merged = mergeManifests(getOwn(out, k), v, k);
      if (merged === undefined) delete out[k];
      else setOwn(out, k, merged);
    }
    return out;
  }
  return clone(child);
}

function isNamedList(items: unknown[]): boolean {
  return items.length > 0 && items.every((item) => isPlainObject(item) && typeof item['name'] === 'string');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `obj[key]` if it is the object's own property, else undefined (never an inherited `constructor`, `toString` …). */
export function getOwn(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/**
 * Set an own property where user keys land. Refuses `__proto__`, `constructor` and `prototype` (callers check
 * earlier and report them with their file or override; this is the last line of defence).
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (isForbiddenKey(key)) {
    const message = `the key "${key}" is not allowed in a manifest`;
    throw new GraphFlowError('GF_MANIFEST_INVALID', message, { problems: [{ code: 'GF_MANIFEST_INVALID', message, expected: 'a key other than "__proto__", "constructor" and "prototype"' }] });
  }
  obj[key] = value;
}

export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
