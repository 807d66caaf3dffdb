// The server side of caching: an LRU bounded by a total cost (bytes). The
// bound on rendering is shared with responsive images: ../render-queue.ts.

/** Least recently used entries, evicted once their total cost exceeds the capacity. */
export class Lru<K, V> {
  private readonly entries = new Map<K, V>();
  private total = 0;

  readonly capacity: number;
  private readonly costOf: (key: K, value: V) => number;
  constructor(
    capacity: number,
    costOf: (key: K, value: V) => number,
  ) {
    this.capacity = capacity;
    this.costOf = costOf;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: moving a hit to the end makes the first entry the least recent.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    const cost = this.costOf(key, value);
    if (cost > this.capacity) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.total -= this.costOf(key, old);
    }
    this.entries.set(key, value);
    this.total += cost;
    for (const [oldestKey, oldest] of this.entries) {
      if (this.total <= this.capacity) break;
      this.entries.delete(oldestKey);
      this.total -= this.costOf(oldestKey, oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get cost(): number {
    return this.total;
  }
}
