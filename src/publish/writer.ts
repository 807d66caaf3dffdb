// The main thread's side of the writer threads (write-worker.mjs): files go
// out as messages, a bounded number at a time, so a slow disk slows the
// pages being rendered instead of piling their bytes up in memory.
import { Worker } from 'node:worker_threads';

export interface WriteStats {
  files: number;
  /** Bytes of every file, and what a gzip or brotli client downloads for all of them. */
  raw: number;
  gzip: number;
  brotli: number;
}

export interface Writer {
  stats: WriteStats;
  /** Resolves once the file is handed over (not yet written); 0 for no .gz and .br. */
  write(file: string, data: Buffer, brotliQuality: number): Promise<void>;
  /** Wait for every file handed over; throws the first failure. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Files handed over and not yet written, across all threads. */
const IN_FLIGHT = 64;

interface Reply {
  id: number;
  sizes?: { raw: number; gzip: number; brotli: number };
  error?: string;
}

export function startWriter(dir: string, { replace, threads }: { replace: boolean; threads: number }): Writer {
  // No execArgv: a worker inherits the parent's by default, and with it tsx's
  // loader (`--import tsx`), which takes a core for a third of a second to start.
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL('./write-worker.mjs', import.meta.url), { workerData: { dir, replace }, execArgv: [] }),
  );
  const stats: WriteStats = { files: 0, raw: 0, gzip: 0, brotli: 0 };
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
  for (const worker of workers) {
    worker.on('message', ({ id, sizes, error }: Reply) => {
      if (error) failure ??= new Error(`Could not write ${pending.get(id)}: ${error}`);
      if (sizes) {
        stats.files++;
        stats.raw += sizes.raw;
        stats.gzip += sizes.gzip;
        stats.brotli += sizes.brotli;
      }
      finished(id);
    });
    worker.on('error', (err) => {
      failure ??= err;
      for (const id of [...pending.keys()]) finished(id);
    });
  }

  return {
    stats,
    async write(file, data, brotliQuality) {
      if (failure) throw failure;
      while (pending.size >= IN_FLIGHT) await new Promise<void>((resolve) => waitingForRoom.push(resolve));
      const id = nextId++;
      pending.set(id, file);
      // A copy, not a view: a small Buffer may share its memory with others.
      workers[id % workers.length]!.postMessage({ id, file, data: new Uint8Array(data), brotliQuality });
    },
    async settle() {
      if (pending.size > 0) await new Promise<void>((resolve) => waitingForNone.push(resolve));
      if (failure) throw failure;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
