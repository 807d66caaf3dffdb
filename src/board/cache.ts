// Serialized GET responses, reused until the data changes. An entry is valid
// for one store generation (which moves with every commit, ours or another
// process's) and for at most a second, so signed values in a representation
// (a sprint's channel) stay fresh. Under load this turns the list page into
// a lookup; a write makes every entry stale at once.

const MAX_AGE_MS = 1000;
const MAX_ENTRIES = 2000;

export class ResponseCache<T> {
  readonly #entries = new Map<string, { generation: number; expires: number; value: Promise<T> }>();
  readonly #generation: () => number;

  constructor(generation: () => number) {
    this.#generation = generation;
  }

  /**
   * The cached value for `key`, or `compute()`'s; concurrent misses share one
   * computation. The generation is read before computing, so a write that
   * lands meanwhile leaves the entry already stale. Errors are not cached.
   */
  get(key: string, compute: () => Promise<T>): Promise<T> {
    const generation = this.#generation();
    const now = Date.now();
    const entry = this.#entries.get(key);
    if (entry && entry.generation === generation && entry.expires > now) return entry.value;
    const value = compute();
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(key, { generation, expires: now + MAX_AGE_MS, value });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }
}
