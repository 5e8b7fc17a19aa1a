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
