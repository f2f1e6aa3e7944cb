/**
 * How a manifest inherits from the one it `extends` (documented in the manifest schema and docs/manifest.md):
 * - objects merge key by key, recursively;
 * - a `null` in the child deletes the key;
 * - arrays whose items are all objects with a string `name` (e.g. `stages`) merge by name:
 *   the base order is kept, same-named items merge recursively, new names are appended;
 * - the `plugins` list is the union of both, base first;
 * - any other array or value in the child replaces the base.
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
    for (const item of child as Record<string, unknown>[]) {
      const at = out.findIndex((existing) => existing['name'] === item['name']);
      if (at >= 0) out[at] = mergeManifests(out[at], item) as Record<string, unknown>;
      else out.push(clone(item) as Record<string, unknown>);
    }
    return out;
  }
  if (isPlainObject(base) && isPlainObject(child)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(base)) out[k] = clone(v);
    for (const [k, v] of Object.entries(child)) {
      const merged = mergeManifests(out[k], v, k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
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

export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
