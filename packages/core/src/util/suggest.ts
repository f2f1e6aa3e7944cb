import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `input`, when close enough to be a plausible typo
 * (edit distance at most a third of the longer name, and at least 1 allowed), else undefined.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const needle = input.toLowerCase();
  for (const candidate of candidates) {
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
