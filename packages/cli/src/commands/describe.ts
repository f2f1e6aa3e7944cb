import type { JsonSchema } from '@graphflow/core';
import type { CliIo } from '../io';
import { reportError } from '../errors';
import { registryFor } from './list';

interface OptionRow {
  key: string;
  type: string;
  default: string;
  description: string;
}

function typeOf(schema: Record<string, unknown>): string {
  if (Array.isArray(schema['enum'])) return (schema['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  if (typeof schema['gfRef'] === 'string') return schema['gfRef'] === 'data' ? 'ref data' : `ref ${schema['gfRef']}.<name>`;
  if (typeof schema['gfComponent'] === 'string') return `${schema['gfComponent']} spec`;
  const t = schema['type'];
  const union = (schema['oneOf'] ?? schema['anyOf']) as Record<string, unknown>[] | undefined;
  let text = Array.isArray(t) ? t.join(' | ') : typeof t === 'string' ? t : Array.isArray(union) ? union.map(typeOf).join(' | ') : 'any';
  if (t === 'array' && typeof schema['items'] === 'object' && schema['items'] !== null) text = `${typeOf(schema['items'] as Record<string, unknown>)}[]`;
  const bounds: string[] = [];
  for (const [k, sym] of [['minimum', '>='], ['exclusiveMinimum', '>'], ['maximum', '<='], ['exclusiveMaximum', '<']] as const) {
    if (typeof schema[k] === 'number') bounds.push(`${sym}${schema[k]}`);
  }
  return bounds.length ? `${text} ${bounds.join(' ')}` : text;
}

/** Long defaults (lists of specs) would swamp the table; `--json` shows them whole. */
function shortDefault(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length <= 40 ? text : `${text.slice(0, 36)}…`;
}

/** Flatten an options schema into rows, nested objects as dotted keys. */
function rows(schema: JsonSchema, prefix = ''): OptionRow[] {
  const props = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  const out: OptionRow[] = [];
  for (const [key, sub] of Object.entries(props)) {
    const name = prefix + key;
    out.push({
      key: required.has(key) ? `${name} (required)` : name,
      type: typeOf(sub),
      default: 'default' in sub ? shortDefault(sub['default']) : '',
      description: typeof sub['description'] === 'string' ? sub['description'] : '',
    });
    if (sub['type'] === 'object' && sub['properties']) out.push(...rows(sub, `${name}.`));
  }
  return out;
}

export async function describeCommand(id: string, options: { plugin?: string[]; allowPlugins?: boolean; manifest?: string; json?: boolean; defaultPlugins?: boolean }, io: CliIo): Promise<number> {
  try {
    const registry = await registryFor(options);
    const component = registry.require(id.includes('/') ? id : `${id}`);
    const d = component.definition;
    if (options.json) {
      io.out(`${JSON.stringify({ id: component.id, plugin: component.plugin, description: d.description, ...(d.role ? { role: d.role } : {}), docs: d.docs ?? null, schema: d.schema }, null, 2)}\n`);
      return 0;
    }
    io.out(`${component.id} — ${d.description}\nplugin: ${component.plugin}${d.role ? `\nrole: ${d.role}` : ''}\n\n`);
    if (d.docs) io.out(`${d.docs.trim()}\n\n`);
    const table = rows(d.schema);
    if (table.length === 0) {
      io.out('options: none\n');
      return 0;
    }
    io.out('options:\n');
    const w = [Math.max(...table.map((r) => r.key.length)), Math.max(...table.map((r) => r.type.length)), Math.max(7, ...table.map((r) => r.default.length))];
    for (const r of table) io.out(`  ${r.key.padEnd(w[0]!)}  ${r.type.padEnd(w[1]!)}  ${r.default.padEnd(w[2]!)}  ${r.description}\n`);
    return 0;
  } catch (e) {
    return reportError(e, io);
  }
}
