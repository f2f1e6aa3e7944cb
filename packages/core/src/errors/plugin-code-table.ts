/**
 * A code a plugin defines for its own errors (fastify's `createError('FST_ERR_…')` for plugins): the plugin's
 * prefix, an underscore, a name, all upper case — e.g. `TVERSKY_WEIGHTS_DEGENERATE`. `GF_` belongs to core.
 */
export type PluginErrorCode = `${string}_${string}`;

export interface PluginErrorDefinition {
  /** What the code means and what to do about it; listed by `graphflow describe` and in docs/reference/errors.md. */
  description: string;
  /** True when the user's input is at fault (the CLI exits 2), false for a failure while running (exit 1). */
  input: boolean;
}

/** Codes defined by loaded plugins (full code → definition), so an error from one is described like a core code. */
const DEFINED = new Map<string, PluginErrorDefinition>();

/** Records codes as defineErrorCodes defines them; returns the first code already defined differently (then records nothing). */
export function recordPluginErrorCodes(table: { prefix: string; codes: Readonly<Record<string, PluginErrorDefinition>> }): string | undefined {
  for (const [name, definition] of Object.entries(table.codes)) {
    const code = `${table.prefix}_${name}`;
    const known = DEFINED.get(code);
    if (known && (known.description !== definition.description || known.input !== definition.input)) return code;
  }
  for (const [name, definition] of Object.entries(table.codes)) DEFINED.set(`${table.prefix}_${name}`, definition);
  return undefined;
}

export function pluginErrorCode(code: string): PluginErrorDefinition | undefined {
  return DEFINED.get(code);
}

/** Every plugin-defined code, for listings. */
export function pluginErrorCodes(): ReadonlyMap<string, PluginErrorDefinition> {
  return DEFINED;
}
