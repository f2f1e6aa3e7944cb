import { GraphFlowError, type ErrorLocation, type Problem } from './graphflow-error';
import { recordPluginErrorCodes, type PluginErrorCode, type PluginErrorDefinition } from './plugin-code-table';

/** Builds an error with the code: same shape, exit code rule and formatting as core's own errors. */
export type PluginErrorFactory = (message: string, options?: { problems?: Problem[]; cause?: unknown } & ErrorLocation) => GraphFlowError;

/** The codes of one plugin: a factory per code, and the table `api.errorCodes()` registers. */
export type { PluginErrorCode, PluginErrorDefinition };

export type PluginErrorCodes<C extends Record<string, PluginErrorDefinition>> = { readonly [K in keyof C & string]: PluginErrorFactory } & {
  readonly [ERROR_TABLE]: { prefix: string; codes: Readonly<Record<string, PluginErrorDefinition>> };
};

export const ERROR_TABLE: unique symbol = Symbol.for('graphflow.errorCodes');

const PREFIX = /^[A-Z][A-Z0-9]*$/;
const NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Defines a plugin's error codes under its prefix. `defineErrorCodes('TVERSKY', { WEIGHTS_DEGENERATE: { … } })`
 * gives `errors.WEIGHTS_DEGENERATE(message, location)`, a GraphFlowError with code `TVERSKY_WEIGHTS_DEGENERATE`.
 * The codes are known from here on (their exit code, `describeErrorCode`). Register the result with
 * `api.errorCodes(errors)` as well, so `graphflow list errors` and the docs show them and no two plugins share a prefix.
 */
export function defineErrorCodes<const C extends Record<string, PluginErrorDefinition>>(prefix: string, codes: C): PluginErrorCodes<C> {
  if (!PREFIX.test(prefix)) throw new TypeError(`error-code prefix "${prefix}" must be upper case letters and digits, e.g. "TVERSKY"`);
  if (prefix === 'GF') throw new TypeError('the error-code prefix GF belongs to @graphflow/core; choose your plugin\'s own');
  const out: Record<string, PluginErrorFactory> = {};
  for (const [name, definition] of Object.entries(codes)) {
    if (!NAME.test(name)) throw new TypeError(`error code ${prefix}_${name}: the name must be upper case letters, digits and underscores`);
    if (typeof definition?.description !== 'string' || definition.description.trim() === '') throw new TypeError(`error code ${prefix}_${name} needs a description`);
    if (typeof definition.input !== 'boolean') throw new TypeError(`error code ${prefix}_${name} needs input: true (bad input, exit 2) or false (failure, exit 1)`);
    const code = `${prefix}_${name}` as PluginErrorCode;
    out[name] = (message, options = {}) => new GraphFlowError(code, message, options);
  }
  const clash = recordPluginErrorCodes({ prefix, codes });
  if (clash) throw new TypeError(`error code ${clash} is already defined with another description or input flag`);
  Object.defineProperty(out, ERROR_TABLE, { value: { prefix, codes: Object.freeze({ ...codes }) } });
  return out as unknown as PluginErrorCodes<C>;
}
