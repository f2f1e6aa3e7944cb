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
