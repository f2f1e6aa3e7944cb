import { distance } from 'fastest-levenshtein';
import { MANIFEST_LIMITS } from '../manifest/limits';

/** Names longer than this are no one's typo; comparing them would cost length² per candidate. */
const MAX_NAME_LENGTH = 128;

/**
 * The candidate closest to `input`, when close enough to be a plausible typo
 * (edit distance at most a third of the longer name, and at least 1 allowed), else undefined.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  if (input.length > MAX_NAME_LENGTH) return undefined;
  let best: string | undefined;
  let bestScore = Infinity;
  const needle = input.toLowerCase();
  for (const candidate of candidates) {
    if (candidate.length > MAX_NAME_LENGTH) continue;
    const hay = candidate.toLowerCase();
    // Separators are the most common slip ("graphflow" vs "graph-flow"); compare without them too.
    const d = Math.min(distance(needle, hay), distance(needle.replace(/[-_]/g, ''), hay.replace(/[-_]/g, '')) + 0.5);
    if (d < bestScore) {
      bestScore = d;
      best = candidate;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.ceil(Math.max(input.length, best.length) / 3));
  return bestScore <= limit ? best : undefined;
}

/**
 * Near-miss suggestions for one validation, bounded so that a manifest with thousands of bad names stays linear:
 * each distinct (list, name) is computed once, lists longer than `maxCandidates` get no suggestion, and after
 * `maxSuggestions` distinct computations the rest get none.
 */
export class Suggester {
  private readonly memo = new Map<string, string | undefined>();
  private computed = 0;

  constructor(
    private readonly maxCandidates: number = MANIFEST_LIMITS.maxSuggestionCandidates,
    private readonly maxSuggestions: number = MANIFEST_LIMITS.maxSuggestions,
  ) {}

  /** closest(input, candidates), memoised under `list` (a name for the candidate list, e.g. "models"). */
  closest(input: string, candidates: readonly string[], list: string): string | undefined {
    if (candidates.length > this.maxCandidates) return undefined;
    return this.get(`${list}\u0000${input}`, () => closest(input, candidates));
  }

  /** Any other suggestion computation, memoised under `key` and counted against the cap. */
  get(key: string, compute: () => string | undefined): string | undefined {
    if (this.memo.has(key)) return this.memo.get(key);
    if (this.computed >= this.maxSuggestions) return undefined;
    this.computed++;
    const value = compute();
    this.memo.set(key, value);
    return value;
  }
}

/** `"a", "b", … (and 9,998 more)`: a list for a message, bounded. */
export function listSome(items: readonly string[], max = 20, quote = (s: string) => `"${s}"`): string {
  const shown = items.slice(0, max).map(quote).join(', ');
  return items.length > max ? `${shown}, … (and ${(items.length - max).toLocaleString('en-US')} more)` : shown;
}
