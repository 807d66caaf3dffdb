// Many small cache entries of one kind (a page each) in one file. A file per
// page made a cold build spend most of its time creating files; appending to
// one costs next to nothing. The pack holds what the last build used: each
// entry it finds or stores goes into the next pack, written beside the old
// one and renamed over it when the build settles, so a reader never sees half
// of one; a build that found every entry where it was writes nothing. The
// pack is read in one go. (A build of named pages keeps just those: the next full build
// renders the others once again.)
//
// Layout: the payloads one after another, then a JSON index
// { key: [offset, length, sha256 of the payload] }, then the index's length
// as 8 bytes. A damaged pack, or a damaged entry, reads as absent.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

type Index = Record<string, [offset: number, length: number, digest: string]>;

const LENGTH_BYTES = 8;
/** Payloads of a changed pack are written to its file in pieces of about this size (memory stays bounded). */
const FLUSH_BYTES = 1024 * 1024;
const digestOf = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export interface EntryPack {
  get(key: string): Buffer | null;
  put(key: string, payload: Buffer): void;
  /** Makes the entries found or stored since the last call the pack; `keepUnread`: and those of the pack not read. */
  finish(keepUnread?: boolean): void;
}

export function openEntryPack(file: string): EntryPack {
  let previous: { bytes: Buffer; index: Index } | null | undefined;
  /**
   * The next pack. Its payloads wait in memory while it is the same as the
   * previous pack so far (a rebuild that changed nothing writes nothing);
   * once it differs, they go to a temporary file, a megabyte at a time.
   */
  const next: { index: Index; parts: Buffer[]; size: number } = { index: {}, parts: [], size: 0 };
  let changed = false;
  let output: { fd: number; temporary: string; written: number } | null = null;

  /** Payloads waiting to be written, in bytes: written in large pieces, as a write per page costs a system call each. */
  let waiting = 0;
  const flush = () => {
    if (!output) {
      mkdirSync(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      output = { fd: openSync(temporary, 'w'), temporary, written: 0 };
    }
    const parts = Buffer.concat(next.parts);
    writeSync(output.fd, parts, 0, parts.length, output.written);
    output.written += parts.length;
    next.parts = [];
    waiting = 0;
  };

  const readPrevious = (): { bytes: Buffer; index: Index } | null => {
    if (previous !== undefined) return previous;
    previous = null;
    try {
      // One read of the whole pack: far cheaper than a read per entry.
      const bytes = readFileSync(file);
      if (bytes.length < LENGTH_BYTES) return null;
      const indexLength = Number(bytes.readBigUInt64LE(bytes.length - LENGTH_BYTES));
      if (indexLength > bytes.length - LENGTH_BYTES) return null;
      const index = JSON.parse(bytes.subarray(bytes.length - LENGTH_BYTES - indexLength, bytes.length - LENGTH_BYTES).toString('utf8')) as Index;
      previous = { bytes, index };
    } catch {
      // no pack, or a damaged one: every entry is made again
    }
    return previous;
  };

  /** `replace`: a newer payload for a key read earlier in this build (an entry found stale). */
  const append = (key: string, payload: Buffer, digest: string, replace = false) => {
    const old = next.index[key];
    if (old && !replace) return;
    const unchanged = previous?.index[key];
    if (!unchanged || unchanged[0] !== next.size || unchanged[2] !== digest || (old && replace)) changed = true;
    next.index[key] = [next.size, payload.length, digest];
    next.parts.push(payload);
    next.size += payload.length;
    waiting += payload.length;
    if (changed && waiting >= FLUSH_BYTES) flush();
  };

  return {
    get(key) {
      const old = readPrevious();
      const entry = old?.index[key];
      if (!old || !entry) return null;
      const [offset, length, digest] = entry;
      if (offset + length > old.bytes.length - LENGTH_BYTES) return null;
      const payload = old.bytes.subarray(offset, offset + length);
      if (digestOf(payload) !== digest) return null;
      append(key, payload, digest);
      return payload;
    },
    put(key, payload) {
      append(key, payload, digestOf(payload), true);
    },
    finish(keepUnread = false) {
      const old = keepUnread && Object.keys(next.index).length > 0 ? readPrevious() : null;
      if (old) {
        const unread = Object.entries(old.index).filter(([key, [offset, length]]) => !next.index[key] && offset + length <= old.bytes.length - LENGTH_BYTES);
        for (const [key, [offset, length, digest]] of unread.sort(([, a], [, b]) => a[0] - b[0])) append(key, old.bytes.subarray(offset, offset + length), digest);
      }
      const entries = Object.keys(next.index).length;
      // The same entries at the same places as the pack on disk: nothing to write.
      const same = !changed && previous && entries === Object.keys(previous.index).length;
      if (entries > 0 && !same) {
        try {
          flush();
          const { fd, temporary, written } = output!;
          const text = Buffer.from(JSON.stringify(next.index));
          const length = Buffer.alloc(LENGTH_BYTES);
          length.writeBigUInt64LE(BigInt(text.length));
          writeSync(fd, Buffer.concat([text, length]), 0, text.length + LENGTH_BYTES, written);
          closeSync(fd);
          output = null;
          renameSync(temporary, file);
        } catch {
          if (output) rmSync(output.temporary, { force: true }); // the pages are rendered again next time
        }
      } else if (output) {
        closeSync(output.fd);
        rmSync(output.temporary, { force: true });
      }
      output = null;
      next.index = {};
      next.parts = [];
      next.size = 0;
      waiting = 0;
      changed = false;
      previous = undefined;
    },
  };
}
