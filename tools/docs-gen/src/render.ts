import { ERROR_CODES, type Registry, type JsonSchema } from '@graphflow/core';
import { manifestSchema } from '@graphflow/core/host';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}

function typeText(schema: Record<string, unknown>): string {
  if (Array.isArray(schema['enum'])) return (schema['enum'] as unknown[]).map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (typeof schema['gfRef'] === 'string') return `reference \`${schema['gfRef']}.<name>\``;
  if (typeof schema['gfComponent'] === 'string') return `\`${schema['gfComponent']}/*\` spec`;
  if (typeof schema['$ref'] === 'string') return `see ${String(schema['$ref']).split('/').pop()}`;
  const union = (schema['oneOf'] ?? schema['anyOf']) as Record<string, unknown>[] | undefined;
  if (Array.isArray(union)) return union.map(typeText).join(' or ');
  const t = schema['type'];
  let text = Array.isArray(t) ? t.join(' \\| ') : typeof t === 'string' ? t : 'any';
  if (t === 'array' && schema['items'] && typeof schema['items'] === 'object') text = `array of ${typeText(schema['items'] as Record<string, unknown>)}`;
  const bounds: string[] = [];
  for (const [k, sym] of [['minimum', '≥'], ['exclusiveMinimum', '>'], ['maximum', '≤'], ['exclusiveMaximum', '<'], ['minItems', 'items ≥'], ['maxItems', 'items ≤']] as const) {
    if (typeof schema[k] === 'number') bounds.push(`${sym} ${schema[k]}`);
  }
  return bounds.length ? `${text} (${bounds.join(', ')})` : text;
}

function optionRows(schema: JsonSchema, prefix = ''): string[] {
  const props = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  const rows: string[] = [];
  for (const [key, sub] of Object.entries(props)) {
    const name = `\`${prefix}${key}\`${required.has(key) ? ' (required)' : ''}`;
    const def = 'default' in sub ? `\`${JSON.stringify(sub['default'])}\`` : '';
    rows.push(`| ${name} | ${cell(typeText(sub))} | ${cell(def)} | ${cell(String(sub['description'] ?? ''))} |`);
    if (sub['type'] === 'object' && sub['properties']) rows.push(...optionRows(sub, `${prefix}${key}.`));
  }
  return rows;
}

export function renderErrors(pluginCodes: ReturnType<Registry['listErrorCodes']> = []): string {
  const lines = ['# Error codes', '', 'Every error GraphFlow reports for something a user can fix carries one of these stable codes, with the file, the JSON pointer and (for manifests) the line and column. Exit codes: 2 for invalid input, 1 for a failure while running.', '', '| code | meaning |', '|---|---|'];
  for (const [code, meaning] of Object.entries(ERROR_CODES)) lines.push(`| \`${code}\` | ${cell(meaning)} |`);
  const own = pluginCodes;
  lines.push('', '## Codes plugins define', '', 'A plugin defines its own codes under its own prefix with `defineErrorCodes(prefix, codes)` and registers them with `api.errorCodes()` (see docs/plugins.md).', '');
  if (own.length === 0) lines.push('None of the plugins loaded here defines its own codes.');
  else {
    lines.push('| code | plugin | exit | meaning |', '|---|---|---|---|');
    for (const c of own) lines.push(`| \`${c.code}\` | ${c.plugin} | ${c.input ? 2 : 1} | ${cell(c.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderManifest(): string {
  const schema = manifestSchema();
  const lines = ['# Manifest reference', '', String(schema['description'] ?? ''), '', `Schema file: \`packages/core/schema/manifest.schema.json\` (use it as \`"$schema"\` for editor completion).`, '', '## Top-level keys', '', '| key | type | default | description |', '|---|---|---|---|'];
  lines.push(...optionRows(schema));
  const defs = (schema['definitions'] ?? {}) as Record<string, JsonSchema>;
  for (const [name, def] of Object.entries(defs)) {
    if (!def['properties']) continue;
    lines.push('', `## ${name}`, '', '| key | type | default | description |', '|---|---|---|---|', ...optionRows(def));
  }
  lines.push(
    '',
    '## References, overrides and inheritance',
    '',
    '- Component options marked "reference" take a string such as `"models.teacher"`, `"data"` or `"stages.teacher"` (an earlier stage); validation checks the entry exists and suggests near-misses.',
    '- `graphflow run m.json --set stages.1.epochs=5` sets a value before validation. Segments are keys, array indices, or names of items in named lists (`stages.distill.epochs`); after `data`, `models.<name>` or `stages.<i>`, keys other than `type`, `options`, `name`, `description`, `enabled` address the options. Values are parsed as JSON when they parse, as strings otherwise.',
    '- `extends` merge rules are in the `extends` row above. Relative plugin paths are resolved against the file that names them.',
  );
  return `${lines.join('\n')}\n`;
}

export function renderComponents(registry: Registry): string {
  const lines = ['# Component reference', '', 'Every component the built-in plugins register, with its options. `graphflow describe <kind/name>` prints the same from the installed code.', ''];
  for (const kind of registry.listKinds()) {
    const components = registry.list(kind.name);
    if (components.length === 0) continue;
    lines.push(`## ${kind.name}`, '', kind.description, '');
    for (const c of components) {
      lines.push(`### \`${c.id}\``, '', `${c.definition.description} *(plugin \`${c.plugin}\`${c.definition.role ? `; ${c.definition.role}` : ''})*`, '');
      if (c.definition.docs) lines.push(c.definition.docs.trim(), '');
      const rows = optionRows(c.definition.schema);
      if (rows.length) lines.push('| option | type | default | description |', '|---|---|---|---|', ...rows, '');
      else lines.push('No options.', '');
    }
  }
  return `${lines.join('\n').trim()}\n`;
}

/** The CLI reference, from the commander program itself so it never drifts from the code. */
export function renderCli(program: import('commander').Command): string {
  const lines = ['# CLI reference', '', 'Exit codes: `0` success, `1` a run failed (or was interrupted), `2` invalid input (manifest, options, plugins, data).'];
  const visit = (command: import('commander').Command, prefix: string) => {
    // A fixed width keeps the page independent of the terminal it is generated in.
    command.configureHelp({ helpWidth: 100 });
    const title = prefix ? `${prefix} ${command.name()}` : command.name();
    lines.push('', prefix ? `## ${title}` : '', '```', command.helpInformation().trimEnd(), '```');
    for (const sub of command.commands) if (sub.name() !== 'help') visit(sub, title);
  };
  visit(program, '');
  return `${lines.filter((l, i) => !(l === '' && lines[i - 1] === '')).join('\n')}\n`;
}
