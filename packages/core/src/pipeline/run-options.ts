import * as path from 'node:path';

/** Per-run settings every component can resolve (TOKENS.RunOptions). */
export interface RunOptions {
  /** The manifest file the run was started from (after --resume, the original one). */
  manifestFile: string;
  /** Its folder: relative data paths in options are resolved against it. */
  manifestDir: string;
  /** Smoke run (`--smoke`): stages train a few steps only. */
  smoke: boolean;
  /** Set when the run continues an interrupted one. */
  resumeDir?: string;
  signal: AbortSignal;
}

/** The options of a manifest's components built outside a running pipeline (openRun, summary, tests): no smoke, never aborted. */
export function idleRunOptions(manifestFile: string): RunOptions {
  return { manifestFile, manifestDir: path.dirname(manifestFile), smoke: false, signal: new AbortController().signal };
}
