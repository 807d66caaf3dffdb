// The build cache's entries on disk, shared by the main thread (cache.ts)
// and the writer threads (write-worker.mjs), so it is plain JavaScript.
//
// An entry is a file named by its key (a SHA-256 of everything its content
// depends on), holding the SHA-256 of its payload and then the payload. A
// build killed midway, a full disk or a hand edit leaves an entry whose
// payload does not match: it reads as absent (and is removed), so the build
// makes the content again instead of publishing a damaged one. Entries are
// written beside their place and renamed into it, so a reader never sees
// half of one.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { temporaryBeside, writeWhole } from './write-whole.mjs';

const DIGEST_BYTES = 32;

const digest = (data) => createHash('sha256').update(data).digest();

/** The file of the entry `key` (hex) of `kind` (a folder: compressed, bundle, response). */
export const entryFile = (dir, kind, key) => path.join(dir, kind, key.slice(0, 2), key);

/** The payload of an intact entry; null when there is none or it is damaged (then it is removed). */
export function readEntry(file) {
  let data;
  try {
    data = readFileSync(file);
  } catch {
    return null;
  }
  const payload = data.subarray(DIGEST_BYTES);
  if (data.length >= DIGEST_BYTES && digest(payload).equals(data.subarray(0, DIGEST_BYTES))) return payload;
  rmSync(file, { force: true });
  return null;
}

/** Store `payload` as the entry in `file`, whole or not at all. */
export function writeEntry(file, payload) {
  writeWhole(file, Buffer.concat([digest(payload), payload]));
}

/** Folders made (or being made) by writeEntrySoon: one mkdir per folder, not per entry. */
const madeDirs = new Map();

/** writeEntry through libuv's threads: creating the file does not hold up the calling thread. */
export async function writeEntrySoon(file, payload) {
  const folder = path.dirname(file);
  let made = madeDirs.get(folder);
  if (!made) madeDirs.set(folder, (made = mkdir(folder, { recursive: true })));
  await made;
  const temporary = temporaryBeside(file);
  const data = Buffer.concat([digest(payload), payload]);
  try {
    await writeFile(temporary, data);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    await mkdir(folder, { recursive: true }); // the cache was removed since
    await writeFile(temporary, data);
  }
  await rename(temporary, file);
}
