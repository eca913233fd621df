const TIMEOUT = Symbol("timeout");

/**
 * The items of `source` in batches: a batch starts with the next item (however long it takes),
 * then takes the items that come within `maxWaitMs` of it, up to `maxItems` (with `maxWaitMs`
 * 0, those already there). An item that comes after a batch was cut starts the next one; the
 * batches end when `source` does.
 */
export async function* inBatches<T>(
  source: AsyncIterable<T>,
  maxItems: number,
  maxWaitMs: number,
): AsyncGenerator<T[]> {
  const items = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = null;
  for (;;) {
    const first = await (pending ?? items.next());
    pending = null;
    if (first.done) return;
    const batch = [first.value];
    const deadline = performance.now() + maxWaitMs;
    while (batch.length < maxItems) {
      pending = items.next();
      const next = await within(pending, Math.max(0, deadline - performance.now()));
      if (next === TIMEOUT) break;
      pending = null;
      if (next.done) {
        yield batch;
        return;
      }
      batch.push(next.value);
    }
    yield batch;
  }
}

/** `promise`'s result, or TIMEOUT when it takes longer than `ms` (0: unless it is settled). */
async function within<R>(promise: Promise<R>, ms: number): Promise<R | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
