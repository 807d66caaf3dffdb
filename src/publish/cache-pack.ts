// Many small cache entries of one kind (a page each) in one file. A file per
// page made a cold build spend most of its time creating files; appending to
// one costs next to nothing. The pack holds what the last build used: each
// entry it finds or stores goes into the next pack, written beside the old
// one and renamed over it when the build settles, so a reader never sees half
// of one. (A build of named pages keeps just those: the next full build
// renders the others once again.)
//
// Layout: the payloads one after another, then a JSON index
// { key: [offset, length, sha256 of the payload] }, then the index's length
// as 8 bytes. A damaged pack, or a damaged entry, reads as absent.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

type Index = Record<string, [offset: number, length: number, digest: string]>;

const LENGTH_BYTES = 8;
const digestOf = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export interface EntryPack {
  get(key: string): Buffer | null;
  put(key: string, payload: Buffer): void;
  /** Makes the entries found or stored since the last call the pack. */
  finish(): void;
}

export function openEntryPack(file: string): EntryPack {
  let previous: { fd: number; index: Index } | null | undefined;
  let next: { fd: number; temporary: string; index: Index; size: number } | null = null;

  const readPrevious = (): { fd: number; index: Index } | null => {
    if (previous !== undefined) return previous;
    previous = null;
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return null;
    }
    try {
      const size = fstatSync(fd).size;
      const length = Buffer.alloc(LENGTH_BYTES);
      if (size < LENGTH_BYTES || readSync(fd, length, 0, LENGTH_BYTES, size - LENGTH_BYTES) !== LENGTH_BYTES) throw new Error('short');
      const indexLength = Number(length.readBigUInt64LE());
      if (indexLength > size - LENGTH_BYTES) throw new Error('bad index length');
      const text = Buffer.alloc(indexLength);
      readSync(fd, text, 0, indexLength, size - LENGTH_BYTES - indexLength);
      previous = { fd, index: JSON.parse(text.toString('utf8')) as Index };
    } catch {
      closeSync(fd);
    }
    return previous;
  };

  /** `replace`: a newer payload for a key read earlier in this build (an entry found stale). */
  const append = (key: string, payload: Buffer, digest: string, replace = false) => {
    if (!next) {
      mkdirSync(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      next = { fd: openSync(temporary, 'w'), temporary, index: {}, size: 0 };
    }
    if (next.index[key] && !replace) return;
    writeSync(next.fd, payload, 0, payload.length, next.size);
    next.index[key] = [next.size, payload.length, digest];
    next.size += payload.length;
  };

  return {
    get(key) {
      const old = readPrevious();
      const entry = old?.index[key];
      if (!old || !entry) return null;
      const [offset, length, digest] = entry;
      const payload = Buffer.alloc(length);
      try {
        if (readSync(old.fd, payload, 0, length, offset) !== length || digestOf(payload) !== digest) return null;
      } catch {
        return null;
      }
      append(key, payload, digest);
      return payload;
    },
    put(key, payload) {
      append(key, payload, digestOf(payload), true);
    },
    finish() {
      if (!next) return;
      const { fd, temporary, index, size } = next;
      next = null;
      try {
        const text = Buffer.from(JSON.stringify(index));
        const length = Buffer.alloc(LENGTH_BYTES);
        length.writeBigUInt64LE(BigInt(text.length));
        writeSync(fd, Buffer.concat([text, length]), 0, text.length + LENGTH_BYTES, size);
        closeSync(fd);
        if (previous) closeSync(previous.fd);
        previous = undefined;
        renameSync(temporary, file);
      } catch {
        rmSync(temporary, { force: true }); // the pages are rendered again next time
      }
    },
  };
}
