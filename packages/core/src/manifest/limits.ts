/**
 * Hard limits on what a manifest may contain, so that loading and validating any input — however large, deep or
 * hostile — finishes quickly with a coded error instead of exhausting the stack, memory or time.
 * Breaking one raises GF_MANIFEST_LIMIT naming the file, the JSON pointer where known, the limit and the value found.
 * Real manifests are far inside every one of them (the largest example is ~6 KiB, 6 levels deep, 2 files).
 */
export const MANIFEST_LIMITS = {
  /** Bytes of one manifest file (a base it extends, or an ablation variants file, counts as its own file). */
  maxFileBytes: 4 * 1024 * 1024,
  /** Bytes of every file one load reads, added up. */
  maxTotalBytes: 16 * 1024 * 1024,
  /** Nesting of objects and arrays (`{"a": [1]}` is 2 deep); checked on the text before it is parsed. */
  maxDepth: 64,
  /** Entries of one object or array: models, stages, items of a list, keys of an options object. */
  maxEntries: 10_000,
  /** Characters of one string or key. */
  maxStringLength: 64 * 1024,
  /** Files in one `extends` chain, the user's own file included (`a` extends `b` extends `c` is 3). */
  maxExtendsDepth: 16,
  /** Distinct files one load reads through `extends`, the user's own included. */
  maxFiles: 64,
  /** Bases named in `extends` across all files of one load, each time a file is named (each costs one merge). */
  maxExtendsReferences: 128,
  /** Segments of one `--set` (or ablation variant) override path. */
  maxOverridePathSegments: 64,
  /** Problems one error lists; the rest are counted in a last "and N more" problem. */
  maxProblems: 100,
  /** Near-miss suggestions ("did you mean …?") are computed against at most this many candidates… */
  maxSuggestionCandidates: 200,
  /** …and for at most this many distinct misspellings per validation; the rest get none. */
  maxSuggestions: 100,
} as const;

/** One line per limit, for the error-code table and docs. */
export function describeLimits(): string {
  const l = MANIFEST_LIMITS;
  return (
    `file size ${l.maxFileBytes / 1024 / 1024} MiB (${l.maxTotalBytes / 1024 / 1024} MiB for all files of one load), ` +
    `nesting depth ${l.maxDepth}, ${l.maxEntries.toLocaleString('en-US')} entries per object or array, ` +
    `strings of ${l.maxStringLength / 1024} KiB, \`extends\` chains of ${l.maxExtendsDepth} files, ` +
    `${l.maxFiles} files (${l.maxExtendsReferences} \`extends\` references) per load, ` +
    `override paths of ${l.maxOverridePathSegments} segments`
  );
}

/**
 * Keys that would reach an object's prototype machinery if assigned (`obj["__proto__"] = …`), or shadow it.
 * Refused everywhere user keys land: manifest files, `--set` paths and values, ablation variants.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}
