// Computed values reused until what they were computed from changes. Each
// entry carries a stamp, read before computing it: a value that changes
// whenever the data it depends on may have (the store's generation for API
// responses; a sprint's chart stamp for its burndown). An entry is served only
// while its stamp is still current.

const MAX_ENTRIES = 2000;

export class StampedCache<T> {
  readonly #entries = new Map<string, { stamp: string; expires: number; value: Promise<T> }>();
  readonly #maxAgeMs: number;

  constructor({ maxAgeMs = Infinity }: { maxAgeMs?: number } = {}) {
    this.#maxAgeMs = maxAgeMs;
  }

  /**
   * The cached value for `key` if it was computed under `stamp`, or
   * `compute()`'s; concurrent misses share one computation. Read the stamp
   * before computing, so that a write landing meanwhile leaves the entry
   * already stale. Errors are not cached.
   */
  get(key: string, stamp: string, compute: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const entry = this.#entries.get(key);
    if (entry && entry.stamp === stamp && entry.expires > now) return entry.value;
    const value = compute();
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(key, { stamp, expires: now + this.#maxAgeMs, value });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }
}

/**
 * Serialized GET responses, valid for one store generation (which moves with
 * every commit, ours or another process's) and for at most a second, so
 * signed values in a representation (a sprint's channel) stay fresh. Under
 * load this turns the list page into a lookup; a write makes every entry
 * stale at once.
 */
export class ResponseCache<T> {
  readonly #cache = new StampedCache<T>({ maxAgeMs: 1000 });
  readonly #generation: () => number;

  constructor(generation: () => number) {
    this.#generation = generation;
  }

  get(key: string, compute: () => Promise<T>): Promise<T> {
    return this.#cache.get(key, String(this.#generation()), compute);
  }
}
