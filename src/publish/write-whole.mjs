// Writing a file whole or not at all, for the build cache's entries
// (cache-store.mjs, also run by the writer threads, so plain JavaScript) and
// its records (last-build.ts, cache.ts). Apart from cache-store.mjs, whose
// node:fs/promises a rebuild with nothing to do need not load.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

let sequence = 0;

/**
 * A name beside `file` for writing it before renaming it into place: no other write has it, of this thread, of another
 * thread of this process (the writer threads count from 0 too) or of another process.
 */
export const temporaryBeside = (file) => `${file}.${process.pid}-${threadId}-${sequence++}.tmp`;

/** Write `data` to `file` whole or not at all: beside it, then renamed into place (its folder made). */
export function writeWhole(file, data) {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = temporaryBeside(file);
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}
