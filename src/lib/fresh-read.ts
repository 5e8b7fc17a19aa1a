/**
 * Shares one read of a changing value among concurrent callers without ever handing a caller a
 * value read before it asked.
 *
 * The gate reads the access epoch on every request, so that a revocation holds at the very next
 * request. Under load most of those reads are redundant: 64 requests arriving together all want
 * "the epoch as of now". Handing a newcomer the read already in flight would be wrong, because that
 * read may have started before a revocation committed and before the newcomer arrived. So a caller
 * joins the *next* read, one that starts after it arrived: there is at most one read in flight and
 * one waiting, whatever the concurrency, and each caller waits at most two reads.
 */
export function freshReader<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  let queued: Promise<T> | null = null;

  const start = (): Promise<T> => {
    const current = read().finally(() => {
      if (inFlight === current) inFlight = null;
    });
    inFlight = current;
    return current;
  };

  return () => {
    if (queued) return queued;
    if (!inFlight) return start();
    const next = inFlight
      .catch(() => undefined)
      .then(() => {
        queued = null;
        return start();
      });
    queued = next;
    return next;
  };
}

/**
 * A read that is reused for as long as `writes()` has not moved: for a database reached through
 * one connection that runs statements in the order they are handed to it, and whose every
 * statement that could change the value moves `writes()` when it is handed over.
 *
 * Why that is as fresh as `freshReader`: take a caller arriving after a change committed. The
 * statements of that change were handed to the connection before the caller arrived. If any was
 * handed over after the kept read was, `writes()` has moved since, and the caller reads again. If
 * all were handed over before the kept read, the connection ran them before it, so the kept read
 * already sees the change. A read still in flight is joined on the same terms.
 */
export function readBetweenWrites<T>(read: () => Promise<T>, writes: () => number): () => Promise<T> {
  let kept: { writes: number; value: Promise<T> } | null = null;
  return () => {
    const now = writes();
    if (kept && kept.writes === now) return kept.value;
    // Counted before the read is handed over: a write handed over in between makes this read
    // newer than its count says, which only costs one more read later.
    const value = read();
    const entry = { writes: now, value };
    kept = entry;
    value.catch(() => {
      if (kept === entry) kept = null;
    });
    return value;
  };
}
