// The one bound on image work in a process: placeholder images
// (src/placeholder/) and responsive renditions (src/images/) are drawn
// through the same queue. Work is fair in three ways:
// - small images (at most SMALL_IMAGE_PIXELS, a 500×500 placeholder) have a
//   lane of their own, so they never wait behind large renders;
// - large renders take turns by client: each client has its own line, and a
//   freed slot goes to the next client in turn, so one client sending a
//   flood of distinct sizes delays another by at most one render per client,
//   and, while others wait too, is turned away (503) beyond a few waiting;
// - large renders start only while the estimated memory of those running
//   stays within a budget, and are turned away (503) while the process's
//   resident memory is above a ceiling (IMAGE_MEMORY_MB).
// sharp is loaded here too, once, on first use.
import type { Sharp, SharpInput, SharpOptions } from 'sharp';

/** Requests that may wait per render slot before the next is turned away (per lane). */
export const WAITING_PER_SLOT = 32;
/** Large renders one client may have waiting while other clients wait too; more get 503 at once. */
export const WAITING_PER_CLIENT = 4;
/** Pixels of the largest image drawn in the small lane: a 500×500 placeholder. */
export const SMALL_IMAGE_PIXELS = 500 * 500;
/**
 * Estimated bytes a render holds per output pixel at its peak: the RGBA
 * raster, libvips' working copy and the encoder's buffers (AVIF's are the
 * largest). Measured with 1999×1999 AVIF placeholders: about 60 MB each.
 */
export const BYTES_PER_PIXEL = 16;
/** Clients whose last turn is remembered; forgotten all at once beyond (a turn or two out of order, no more). */
const SERVED_REMEMBERED = 10_000;

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/** What a render is about to cost, and for whom. */
export interface RenderJob {
  /** Pixels of the image drawn (width × height × scale²). */
  pixels: number;
  /** Who asked: the client's address. */
  client: string;
}

export interface RenderQueueOptions {
  /** Renders at once in each lane. */
  concurrency: number;
  /** Bytes the large renders running may hold together, by estimate (one always may run). */
  memoryBudget: number;
  /** Resident memory above which large renders are refused; Infinity for none. */
  memoryCeiling: number;
  /** The process's resident memory now (tests replace it). */
  residentMemory?: () => number;
}

type Start = () => void;

/** Small images: first come, first served, up to `concurrency` at once. */
class SmallLane {
  #active = 0;
  readonly #waiting: Start[] = [];
  readonly #concurrency: number;
  constructor(concurrency: number) {
    this.#concurrency = concurrency;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active < this.#concurrency) this.#active++;
    else if (this.#waiting.length < this.#concurrency * WAITING_PER_SLOT) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else throw new QueueFullError();
    try {
      return await task();
    } finally {
      // A finished task hands its slot straight to the next in line.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }

  get running(): number {
    return this.#active;
  }
  get queued(): number {
    return this.#waiting.length;
  }
}

/** Large renders: a line per client, served in turn, within a slot count and a memory budget. */
class LargeLane {
  #active = 0;
  #bytes = 0;
  #queued = 0;
  /** Client → its waiting renders. */
  readonly #lines = new Map<string, Array<{ bytes: number; start: Start }>>();
  /** Client → when a render of theirs last started (a count): the turn goes to the client served longest ago. */
  readonly #served = new Map<string, number>();
  #starts = 0;
  readonly #options: Required<RenderQueueOptions>;
  constructor(options: Required<RenderQueueOptions>) {
    this.#options = options;
  }

  #fits(bytes: number): boolean {
    return this.#active < this.#options.concurrency && (this.#active === 0 || this.#bytes + bytes <= this.#options.memoryBudget);
  }

  async run<T>(job: RenderJob, task: () => Promise<T>): Promise<T> {
    if (this.#options.residentMemory() > this.#options.memoryCeiling) throw new QueueFullError();
    const bytes = job.pixels * BYTES_PER_PIXEL;
    if (this.#queued === 0 && this.#fits(bytes)) {
      this.#started(job.client, bytes);
    } else {
      const line = this.#lines.get(job.client) ?? [];
      // Alone, a client (a static build) may fill the line; among others, it keeps a few waiting and
      // the rest are refused, while a client with fewer waiting still gets in: its turn comes next.
      const limit = this.#options.concurrency * WAITING_PER_SLOT;
      const contended = this.#lines.size > (line.length ? 1 : 0);
      if (line.length >= (contended ? WAITING_PER_CLIENT : limit) || this.#queued >= 2 * limit) throw new QueueFullError();
      this.#lines.set(job.client, line);
      this.#queued++;
      await new Promise<void>((start) => line.push({ bytes, start }));
    }
    try {
      return await task();
    } finally {
      this.#active--;
      this.#bytes -= bytes;
      this.#startNext();
    }
  }

  #started(client: string, bytes: number): void {
    this.#active++;
    this.#bytes += bytes;
    if (this.#served.size >= SERVED_REMEMBERED) this.#served.clear();
    this.#served.set(client, ++this.#starts);
  }

  /** Start waiting renders while they fit, each time of the waiting client served longest ago. */
  #startNext(): void {
    while (this.#queued > 0) {
      let turn: string | undefined;
      for (const client of this.#lines.keys()) {
        if (turn === undefined || (this.#served.get(client) ?? 0) < (this.#served.get(turn) ?? 0)) turn = client;
      }
      const line = this.#lines.get(turn!)!;
      if (!this.#fits(line[0]!.bytes)) return;
      const next = line.shift()!;
      if (!line.length) this.#lines.delete(turn!);
      this.#queued--;
      this.#started(turn!, next.bytes);
      next.start();
    }
  }

  get running(): number {
    return this.#active;
  }
  get queued(): number {
    return this.#queued;
  }
}

/** The queue every image render in a process goes through. */
export class RenderQueue {
  readonly #small: SmallLane;
  readonly #large: LargeLane;
  readonly concurrency: number;

  constructor(options: RenderQueueOptions) {
    this.concurrency = options.concurrency;
    this.#small = new SmallLane(options.concurrency);
    this.#large = new LargeLane({ residentMemory: () => process.memoryUsage.rss(), ...options });
  }

  /** Run `task` when its lane has room; QueueFullError when it cannot wait (answer 503 with Retry-After). */
  run<T>(job: RenderJob, task: () => Promise<T>): Promise<T> {
    return job.pixels <= SMALL_IMAGE_PIXELS ? this.#small.run(task) : this.#large.run(job, task);
  }

  get running(): number {
    return this.#small.running + this.#large.running;
  }

  get queued(): number {
    return this.#small.queued + this.#large.queued;
  }
}

/**
 * The queue for a process rendering `concurrency` images at once per lane
 * (PLACEHOLDER_CONCURRENCY), refusing large renders above `memoryMb` of
 * resident memory (IMAGE_MEMORY_MB). The large renders running share a
 * quarter of that by estimate.
 */
export function createRenderQueue(concurrency: number, memoryMb = Infinity): RenderQueue {
  const bytes = memoryMb * 1024 * 1024;
  return new RenderQueue({ concurrency, memoryBudget: Number.isFinite(bytes) ? bytes / 4 : Infinity, memoryCeiling: bytes });
}

export type SharpFactory = (input?: SharpInput, options?: SharpOptions) => Sharp;

/**
 * sharp, loaded on first use: loading libvips takes a tenth of a second, and
 * PNG and SVG placeholders (the default, and all a static build usually
 * draws) never need it.
 */
let sharpLoaded: Promise<SharpFactory> | undefined;
export const loadSharp = (): Promise<SharpFactory> =>
  (sharpLoaded ??= import('sharp').then(({ default: sharp }) => {
    // Our own caches keep the encoded bytes; libvips' cache of operations would hold the same images again.
    sharp.cache(false);
    return sharp;
  }));
