import { isGraphFlowError, formatProblem } from '@graphflow/core';
import type { CliIo } from './io';

/** Print an error the way users need it (code, file, place) and return the exit code: 2 bad input, 1 failure. */
export function reportError(error: unknown, io: CliIo, json = false): number {
  if (isGraphFlowError(error)) {
    if (json) {
      io.out(`${JSON.stringify({ ok: false, code: error.code, problems: error.problems }, null, 2)}\n`);
    } else if (error.problems.length > 1) {
      io.err(`error ${error.code}: ${error.problems.length} problems\n${error.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}\n`);
    } else {
      io.err(`error ${formatProblem(error.problems[0]!)}\n`);
    }
    return error.exitCode;
  }
  io.err(`error GF_INTERNAL: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}
