// The server side of caching and the bounds on rendering: an LRU bounded by
// a total cost (bytes), and a queue that lets a fixed number of renders run
// at once and turns requests away once a bounded number are waiting.

/** Least recently used entries, evicted once their total cost exceeds the capacity. */
export class Lru<K, V> {
  private readonly entries = new Map<K, V>();
  private total = 0;

  constructor(
    readonly capacity: number,
    private readonly costOf: (key: K, value: V) => number,
  ) {}

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

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/** At most `concurrency` tasks at once; at most `maxWaiting` more wait, the rest are refused. */
export class RenderQueue {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.concurrency) this.active++;
    else if (this.waiting.length < this.maxWaiting) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else throw new QueueFullError();
    try {
      return await task();
    } finally {
      // A finished task hands its slot straight to the next in line.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }
}
