// Many small cache entries of one kind (a page each) in one file. A file per
// page made a cold build spend most of its time creating files; appending to
// one costs next to nothing. The pack holds what the last build used: each
// entry it finds or stores goes into the next pack, written beside the old
// one and renamed over it when the build settles, so a reader never sees half
// of one; a build that found every entry where it was writes nothing. The
// pack is read in one go.
//
// A build of some pages (named ones, or those an edit affects) uses few
// entries and must keep the others: it reads the index and then only the
// entries it asks for, and appends what it stores after the index, with a
// new index after it (openPartialPack); the pack is written whole again
// once more than half of it is left over.
//
// Layout: the payloads one after another, then a JSON index
// { key: [offset, length, sha256 of the payload] }, then the index's length
// as 8 bytes. A damaged pack, or a damaged entry, reads as absent.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

type Index = Record<string, [offset: number, length: number, digest: string]>;

const LENGTH_BYTES = 8;
/** Payloads of a changed pack are written to its file in pieces of about this size (memory stays bounded). */
const FLUSH_BYTES = 1024 * 1024;
const digestOf = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export interface EntryPack {
  get(key: string): Buffer | null;
  put(key: string, payload: Buffer): void;
  /** Makes the entries found or stored since the last call the pack. */
  finish(): void;
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
    finish() {
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

/** The index of the pack open as `fd`, with the pack's size; null for a damaged or empty pack. */
function readIndex(fd: number): { index: Index; size: number } | null {
  try {
    const size = fstatSync(fd).size;
    if (size < LENGTH_BYTES) return null;
    const length = Buffer.alloc(LENGTH_BYTES);
    readSync(fd, length, 0, LENGTH_BYTES, size - LENGTH_BYTES);
    const indexLength = Number(length.readBigUInt64LE());
    if (indexLength > size - LENGTH_BYTES) return null;
    const text = Buffer.alloc(indexLength);
    readSync(fd, text, 0, indexLength, size - LENGTH_BYTES - indexLength);
    return { index: JSON.parse(text.toString('utf8')) as Index, size };
  } catch {
    return null;
  }
}

/** A pack for a build of some pages: every entry is kept, what is stored is appended (see the top of this file). */
export function openPartialPack(file: string): EntryPack {
  let fd: number | null | undefined;
  let old: { index: Index; size: number } | null = null;
  const open = () => {
    if (fd !== undefined) return fd;
    try {
      fd = openSync(file, 'r+');
      old = readIndex(fd);
    } catch {
      fd = null;
    }
    return fd;
  };
  const stored = new Map<string, Buffer>();
  return {
    get(key) {
      const payload = stored.get(key);
      if (payload) return payload;
      const handle = open();
      const entry = old?.index[key];
      if (handle === null || !entry) return null;
      const [offset, length, digest] = entry;
      if (offset + length > old!.size - LENGTH_BYTES) return null;
      const bytes = Buffer.alloc(length);
      if (readSync(handle, bytes, 0, length, offset) !== length || digestOf(bytes) !== digest) return null;
      return bytes;
    },
    put(key, payload) {
      stored.set(key, payload);
    },
    finish() {
      const handle = open();
      try {
        const fresh = [...stored].map(([key, payload]) => ({ key, payload, digest: digestOf(payload) })).filter(({ key, digest }) => old?.index[key]?.[2] !== digest);
        if (fresh.length === 0) return;
        const index: Index = { ...old?.index };
        const kept = Object.values(index).reduce((sum, [, length]) => sum + length, 0);
        if (handle === null || !old || old.size > 2 * kept + FLUSH_BYTES) {
          // No pack, a damaged one, or one mostly left over: written whole, every entry kept.
          const whole = openEntryPack(file);
          for (const key of Object.keys(index)) if (!stored.has(key)) whole.get(key);
          for (const { key, payload } of fresh) whole.put(key, payload);
          if (handle !== null) closeSync(handle);
          fd = undefined;
          whole.finish();
          return;
        }
        // After the last index: the new payloads, then the new index and its length.
        let at = old.size;
        const parts: Buffer[] = [];
        for (const { key, payload, digest } of fresh) {
          index[key] = [at, payload.length, digest];
          parts.push(payload);
          at += payload.length;
        }
        const text = Buffer.from(JSON.stringify(index));
        const length = Buffer.alloc(LENGTH_BYTES);
        length.writeBigUInt64LE(BigInt(text.length));
        const tail = Buffer.concat([...parts, text, length]);
        writeSync(handle, tail, 0, tail.length, old.size);
      } catch {
        // the pages are rendered again next time
      } finally {
        if (fd !== undefined && fd !== null) closeSync(fd);
        fd = undefined;
        old = null;
        stored.clear();
      }
    },
  };
}
