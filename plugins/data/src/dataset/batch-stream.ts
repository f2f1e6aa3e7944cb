/**
 * Runs `load` for upcoming batches while the consumer works on the current one, keeping at most
 * `prefetch` batches in flight beyond the one being consumed. Order is preserved.
 * If the consumer stops early, batches already in flight are awaited and dropped so no rejection goes unhandled.
 */
export async function* prefetchInOrder<T>(count: number, load: (index: number) => Promise<T>, prefetch: number): AsyncGenerator<T> {
  const inFlight: Promise<T>[] = [];
  let next = 0;
  try {
    for (let i = 0; i < count; i++) {
      // While item i is awaited and then consumed, items i+1 … i+prefetch are already loading.
      while (next < count && next <= i + prefetch) {
        const p = load(next++);
        p.catch(() => undefined);
        inFlight.push(p);
      }
      yield await inFlight.shift()!;
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
}

/** Map with at most `limit` calls running at once; results keep input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let cursor = 0;
  const worker = async (): Promise<void> => {
    while (cursor < items.length) {
      const i = cursor++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
