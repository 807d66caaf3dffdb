// The one bound on image work in a process: placeholder images
// (src/placeholder/) and responsive renditions (src/images/) are drawn
// through the same queue, so together they never run more than a fixed
// number of renders at once, and turn requests away (503) once a bounded
// number are waiting. sharp is loaded here too, once, on first use.
import type { Sharp, SharpInput, SharpOptions } from 'sharp';

/** Requests that may wait per render slot before the next is turned away. */
export const WAITING_PER_SLOT = 32;

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/** At most `concurrency` tasks at once; at most `maxWaiting` more wait, the rest are refused. */
export class RenderQueue {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  readonly concurrency: number;
  readonly maxWaiting: number;
  constructor(
    concurrency: number,
    maxWaiting: number,
  ) {
    this.concurrency = concurrency;
    this.maxWaiting = maxWaiting;
  }

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

/** The queue for a process rendering `concurrency` images at once (PLACEHOLDER_CONCURRENCY). */
export function createRenderQueue(concurrency: number): RenderQueue {
  return new RenderQueue(concurrency, concurrency * WAITING_PER_SLOT);
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
