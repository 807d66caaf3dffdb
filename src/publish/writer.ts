// The main thread's side of the writer threads (write-worker.mjs): files go
// out as messages, a bounded number at a time, so a slow disk slows the
// pages being rendered instead of piling their bytes up in memory.
import { Worker } from 'node:worker_threads';
import type { BuildCache } from './cache.ts';
import type { Compression } from './compress.ts';
import { unchangedInLive } from './live-site.mjs';
import { jobWriter, type WriteJob as Job, type WriteReply as Reply } from './write-job.mjs';

export interface WriteStats {
  files: number;
  /** Of them, files a previous build had left exactly so: not written again, not compressed again. */
  unchanged: number;
  /** Bytes of every file, and what a gzip or brotli client downloads for all of them. */
  raw: number;
  gzip: number;
  brotli: number;
}

export interface Writer {
  stats: WriteStats;
  /** The files written (those not unchanged), and whether each has .gz and .br. */
  changed: Map<string, boolean>;
  /** Where a file written is in the staging folder (its .gz and .br beside it), relative to it. */
  staged(file: string): string;
  /** Resolves once the file is handed over (not yet written); `compression` null for no .gz and .br. */
  write(file: string, data: Buffer, compression: Compression | null): Promise<void>;
  /** Wait for every file handed over; throws the first failure. */
  settle(): Promise<void>;
  close(): Promise<void>;
  /** How many writer threads it has started so far. */
  threads(): number;
}

/**
 * A writer thread's young generation, in MB: its own objects are few and short-lived (the bytes it writes are outside
 * its heap). V8's default (16 MB a thread) was about 9 MB of a cold build's peak memory at 1000 pages.
 */
const WRITER_YOUNG_MB = 2;

/** Files handed over and not yet written, across all threads. */
const IN_FLIGHT = 64;

/** Files waiting for the threads started, past which another is started (up to `threads`). */
const THREAD_MORE_AFTER = 8;

export interface WriterOptions {
  /**
   * The published site: a file whose bytes it already has is not written
   * again. Over a published site the files are staged side by side, each
   * named by a number, to be moved into the site's folders one by one: a
   * folder per page in staging would cost a creation and a removal each,
   * where creating a file or folder is what costs a build most. A first
   * build's staging folder becomes the site: it has the site's folders.
   */
  live: string | null;
  /** Writer threads at most; 0 to write on this thread (a build of a few files, where starting one costs more). */
  threads: number;
  /** Where the .gz and .br are kept between builds; null for none. */
  cache: Pick<BuildCache, 'dir' | 'version'> | null;
}

export function startWriter(dir: string, { live, threads, cache }: WriterOptions): Writer {
  const workers: Worker[] = [];
  const stats: WriteStats = { files: 0, unchanged: 0, raw: 0, gzip: 0, brotli: 0 };
  const changed = new Map<string, boolean>();
  const targets = new Map<string, string>();
  const pending = new Map<number, string>();
  let nextId = 0;
  let failure: Error | undefined;
  const waitingForRoom: Array<() => void> = [];
  const waitingForNone: Array<() => void> = [];

  const finished = (id: number) => {
    pending.delete(id);
    waitingForRoom.shift()?.();
    if (pending.size === 0) waitingForNone.splice(0).forEach((resolve) => resolve());
  };
  const received = ({ id, sizes, compressed, error }: Reply) => {
    if (error) failure ??= new Error(`Could not write ${pending.get(id)}: ${error}`);
    if (sizes) {
      stats.files++;
      changed.set(pending.get(id)!, compressed === true);
      stats.raw += sizes.raw;
      stats.gzip += sizes.gzip;
      stats.brotli += sizes.brotli;
    }
    finished(id);
  };
  /** What a job is written with, in a thread or here. */
  const jobOptions = { dir, cache: cache && { dir: cache.dir, version: cache.version } };
  // No threads: the jobs are written here, as they come.
  const writeHere = threads === 0 ? jobWriter(jobOptions) : null;
  /**
   * A writer thread more. The first starts at once, to be ready when the first file is; the others only once files
   * wait (THREAD_MORE_AFTER): starting one costs tens of milliseconds of a core, more than a build writing a few files
   * gains from it.
   */
  const startWorker = () => {
    // No execArgv: a worker inherits the parent's by default, and with it tsx's
    // loader (`--import tsx`), which takes a core for a third of a second to start.
    const worker = new Worker(new URL('./write-worker.mjs', import.meta.url), { workerData: jobOptions, execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_MB } });
    workers.push(worker);
    batches.push([]);
    worker.on('message', (replies: Reply[]) => replies.forEach(received));
    worker.on('error', (err) => {
      failure ??= err;
      for (const id of [...pending.keys()]) finished(id);
    });
  };

  // Files handed over in one turn of the event loop go to each thread as one
  // message: a message costs far more than the bytes of a page in it.
  const batches: Job[][] = [];
  if (!writeHere) startWorker();
  let flushing = false;
  const flush = () => {
    flushing = false;
    batches.forEach((batch, i) => {
      if (batch.length === 0) return;
      workers[i]!.postMessage(batch, batch.map((job) => job.data.buffer as ArrayBuffer));
      batches[i] = [];
    });
  };

  return {
    stats,
    changed,
    staged: (file) => targets.get(file) ?? file,
    async write(file, data, compression) {
      if (failure) throw failure;
      // A file the site has exactly so costs a read here, less than a message to a thread and back.
      const same = live && unchangedInLive(live, file, data, compression !== null);
      if (same) {
        stats.files++;
        stats.unchanged++;
        stats.raw += same.raw;
        stats.gzip += same.gzip;
        stats.brotli += same.brotli;
        return;
      }
      while (pending.size >= IN_FLIGHT) await new Promise<void>((resolve) => waitingForRoom.push(resolve));
      const id = nextId++;
      pending.set(id, file);
      const target = live ? String(id) : file;
      targets.set(file, target);
      if (writeHere) return received(writeHere({ id, target, data, compression }));
      if (pending.size > THREAD_MORE_AFTER && workers.length < threads) startWorker();
      // A copy, moved to the thread: a small Buffer may share its memory with others.
      batches[id % workers.length]!.push({ id, target, data: new Uint8Array(data), compression });
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    },
    async settle() {
      if (pending.size > 0) await new Promise<void>((resolve) => waitingForNone.push(resolve));
      if (failure) throw failure;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
    threads: () => workers.length,
  };
}
