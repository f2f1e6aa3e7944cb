import { ERROR_CODES, type ErrorCode } from './codes';
import { pluginErrorCode, type PluginErrorCode } from './plugin-code-table';
import { MANIFEST_LIMITS } from '../manifest/limits';

/** Where a problem is, as precisely as is known. */
export interface ErrorLocation {
  /** File the problem is in (manifest, data file, checkpoint …). */
  file?: string;
  /** RFC 6901 JSON pointer into that file, e.g. `/stages/1/options/epochs`. */
  pointer?: string;
  line?: number;
  column?: number;
}

/** One problem; a GraphFlowError carries one or more. */
export interface Problem extends ErrorLocation {
  code: ErrorCode | PluginErrorCode;
  message: string;
  /** What was expected there, e.g. `integer >= 1`. */
  expected?: string;
  /** A near-miss correction, e.g. `loss/graph-flow`. */
  suggestion?: string;
}

/** Exit code for the CLI: invalid input is 2, failures while running are 1. */
export type ExitCode = 1 | 2;

const INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'GF_MANIFEST_NOT_FOUND', 'GF_MANIFEST_JSON', 'GF_MANIFEST_INVALID', 'GF_MANIFEST_EXTENDS_CYCLE', 'GF_MANIFEST_REF', 'GF_MANIFEST_LIMIT',
  'GF_OVERRIDE_INVALID', 'GF_PLUGIN_NOT_FOUND', 'GF_PLUGIN_NOT_ALLOWED', 'GF_PLUGIN_INVALID', 'GF_PLUGIN_REGISTER_FAILED', 'GF_PLUGIN_VERSION_MISMATCH', 'GF_PLUGIN_DEPENDENCY_MISSING', 'GF_COMPONENT_DUPLICATE',
  'GF_COMPONENT_UNKNOWN', 'GF_COMPONENT_INVALID', 'GF_KIND_UNKNOWN', 'GF_OPTIONS_INVALID', 'GF_RUN_DIR_EXISTS',
  'GF_BACKEND_UNAVAILABLE', 'GF_BACKEND_KERNEL_MISSING', 'GF_DATA_INVALID', 'GF_CHECKPOINT_INVALID', 'GF_CHECKPOINT_CORRUPT', 'GF_RESUME_INVALID',
]);

export function formatProblem(p: Problem): string {
  let where = p.file ?? '';
  if (p.line !== undefined) where += `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}`;
  if (p.pointer !== undefined) where += `${where ? ' ' : ''}at ${p.pointer === '' ? '/' : p.pointer}`;
  let text = `${p.code}: ${where ? `${where}: ` : ''}${p.message}`;
  if (p.expected) text += ` (expected ${p.expected})`;
  if (p.suggestion) text += ` — did you mean "${p.suggestion}"?`;
  return text;
}

/**
 * The one error type GraphFlow throws for anything a user can fix.
 * `code` is stable (see ERROR_CODES); `problems` lists every problem found, not only the first.
 */
export class GraphFlowError extends Error {
  /** A core code (ERROR_CODES) or one a plugin defined with defineErrorCodes. */
  readonly code: ErrorCode | PluginErrorCode;
  readonly problems: Problem[];
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode | PluginErrorCode, message: string, options: { problems?: Problem[]; cause?: unknown } & ErrorLocation = {}) {
    const { problems, cause, ...location } = options;
    const all = problems && problems.length > 0 ? problems : [{ code, message, ...location }];
    // Bounded whatever the input (10,000 bad entries must not print 10,000 lines): the first ones, then a count.
    const max = MANIFEST_LIMITS.maxProblems;
    const list = all.length > max ? [...all.slice(0, max), { code, message: `and ${(all.length - max).toLocaleString('en-US')} more problems (only the first ${max} are listed)` }] : all;
    super(
      list.length === 1 ? formatProblem(list[0]!) : `${code}: ${message}\n${list.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'GraphFlowError';
    this.code = code;
    this.problems = list;
    this.exitCode = INPUT_CODES.has(code as ErrorCode) || pluginErrorCode(code)?.input === true ? 2 : 1;
  }

  /** One error carrying several problems; its code is theirs when they agree. */
  static fromProblems(problems: Problem[], summary: string, fallback: ErrorCode | PluginErrorCode = 'GF_MANIFEST_INVALID'): GraphFlowError {
    const code = problems.length > 0 && problems.every((p) => p.code === problems[0]!.code) ? problems[0]!.code : fallback;
    return new GraphFlowError(code, summary, { problems });
  }

  toJSON(): { code: ErrorCode | PluginErrorCode; message: string; problems: Problem[] } {
    return { code: this.code, message: this.message, problems: this.problems };
  }
}

export function isGraphFlowError(e: unknown): e is GraphFlowError {
  return e instanceof GraphFlowError || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'GraphFlowError' && typeof (e as { code?: unknown }).code === 'string');
}

/** What a code means: core's table, else the definition of the plugin that registered it. */
export function describeErrorCode(code: ErrorCode | PluginErrorCode): string {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ErrorCode] : (pluginErrorCode(code)?.description ?? `unknown code ${code}`);
}
