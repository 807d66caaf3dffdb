// Many small cache entries of one kind (a page each) in one file. A file per
// page made a cold build spend most of its time creating files; appending to
// one costs next to nothing. The pack holds what the last build used: each
// entry it finds or stores goes into the next pack, written beside the old
// one and renamed over it when the build settles, so a reader never sees half
// of one; a build that found every entry where it was writes nothing. Its
// index is read, and an entry when it is asked for: a pack is never all in
// memory (at 4000 pages, a layout edit held 16 MB of packs it rendered anew).
//
// A build of some pages (named ones, or those an edit affects) uses few
// entries and must keep the others: it reads the index and then only the
// entries it asks for, and appends what it stores after the index, with a
// new index after it (openPartialPack); the pack is written whole again
// once more than half of it is left over.
//
// A payload stored goes to disk as it comes (copied into a piece written a
// megabyte at a time, see openSpool), never held until the end: at 4000
// pages, a build holding them held 24 MB more at its peak. A build of some
// pages writes what it stores to a file beside the pack, copied after the
// pack's index once the build settles: a build stopped half-way leaves the
// pack as it was, and the next build that writes the pack removes the file
// the stopped one spooled into.
//
// Layout: the payloads one after another, then a JSON index
// { key: [offset, length, sha256 of the payload] }, then the index's length
// as 8 bytes. A damaged pack, or a damaged entry, reads as absent.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { isRunning } from './running.ts';

type Index = Record<string, [offset: number, length: number, digest: string]>;

const LENGTH_BYTES = 8;
/** Payloads are written to a pack in pieces of about this size (memory stays bounded). */
const FLUSH_BYTES = 1024 * 1024;
/** What a full pack reads at once of the payloads it is asked for (see openEntryPack's `stretch`). */
const READ_AHEAD_BYTES = 64 * 1024;
const digestOf = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let opened = 0;

/**
 * A file beside the pack `file`, made to be spooled into, of this pack alone: another pack of the same file open in
 * this process has its own.
 */
function spoolBeside(file: string, suffix: string): { fd: number; file: string; spool: Spool } {
  mkdirSync(path.dirname(file), { recursive: true });
  removeLeftovers(file);
  const beside = `${file}.${process.pid}-${++opened}.${suffix}`;
  const fd = openSync(beside, 'w+');
  return { fd, file: beside, spool: openSpool(fd, 0) };
}

/**
 * The files spooled beside the pack `file` by builds that were stopped before they settled (their process is gone):
 * nothing else would remove them. A file of a build still running, here or in another process, is left alone.
 */
function removeLeftovers(file: string): void {
  const prefix = `${path.basename(file)}.`;
  for (const name of readdirSync(path.dirname(file))) {
    const pid = name.startsWith(prefix) ? /^(\d+)-\d+\.(?:tmp|added)$/.exec(name.slice(prefix.length))?.[1] : undefined;
    if (pid !== undefined && !isRunning(Number(pid))) rmSync(path.join(path.dirname(file), name), { force: true });
  }
}

export interface EntryPack {
  get(key: string): Buffer | null;
  put(key: string, payload: Buffer): void;
  /** Makes the entries found or stored since the last call the pack. */
  finish(): void;
}

/**
 * Bytes written to the open file `fd` from `at` on, copied into one buffer and written a piece at a time: a write per
 * payload costs a system call each, and a payload kept until its piece is written would outlive a young-generation
 * collection and wait in memory for a full one.
 */
interface Spool {
  /** Where `bytes` will be in the file. */
  write(bytes: Buffer): number;
  /** `length` bytes from the file's `offset`, written already or waiting. */
  read(offset: number, length: number): Buffer;
  /** Write what waits; the file's size past it. */
  flush(): number;
}

function openSpool(fd: number, at: number): Spool {
  const piece = Buffer.allocUnsafeSlow(FLUSH_BYTES);
  let used = 0;
  /** Where the piece starts in the file. */
  let start = at;
  const flush = () => {
    if (used > 0) writeSync(fd, piece, 0, used, start);
    start += used;
    used = 0;
    return start;
  };
  return {
    write(bytes) {
      if (used + bytes.length > FLUSH_BYTES) flush();
      const offset = start + used;
      if (bytes.length > FLUSH_BYTES) {
        writeSync(fd, bytes, 0, bytes.length, start);
        start += bytes.length;
      } else {
        bytes.copy(piece, used);
        used += bytes.length;
      }
      return offset;
    },
    read(offset, length) {
      if (offset >= start) return Buffer.from(piece.subarray(offset - start, offset - start + length));
      return readAt(fd, offset, length);
    },
    flush,
  };
}

/** The index and its length, written after the payloads: the end of a pack. */
function indexBytes(index: Index): Buffer {
  const text = Buffer.from(JSON.stringify(index));
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([text, length]);
}

export function openEntryPack(file: string): EntryPack {
  /** The pack on disk: its index, and the file open to read entries from as they are asked for. */
  let previous: { fd: number; index: Index; size: number } | null | undefined;
  /**
   * The next pack. While it is the same as the previous pack so far (a rebuild that changed nothing writes nothing),
   * its payloads are the previous pack's first `size` bytes, left where they are; once it differs, those bytes and
   * every payload after them go to a temporary file (`output`).
   */
  const next: { index: Index; size: number } = { index: {}, size: 0 };
  let output: { fd: number; file: string; spool: Spool } | null = null;

  const openOutput = () => {
    output = spoolBeside(file, 'tmp');
    // The payloads the same as the previous pack's so far are its first bytes.
    for (let at = 0; at < next.size; at += FLUSH_BYTES) output.spool.write(readAt(previous!.fd, at, Math.min(FLUSH_BYTES, next.size - at)));
    return output;
  };

  const readPrevious = () => {
    if (previous !== undefined) return previous;
    previous = null;
    let fd: number | undefined;
    try {
      // The index alone: an entry is read when asked for, so a pack of thousands of pages is never all in memory.
      fd = openSync(file, 'r');
      const found = readIndex(fd);
      if (found) previous = { fd, ...found };
    } catch {
      // no pack: every entry is made again
    }
    if (!previous && fd !== undefined) closeSync(fd);
    return previous;
  };

  /** `replace`: a newer payload for a key read earlier in this build (an entry found stale). */
  const append = (key: string, payload: Buffer, digest: string, replace = false) => {
    const old = next.index[key];
    if (old && !replace) return;
    const unchanged = previous?.index[key];
    const differs = !unchanged || unchanged[0] !== next.size || unchanged[2] !== digest || (old && replace);
    if (!output && differs) openOutput();
    next.index[key] = [next.size, payload.length, digest];
    next.size += payload.length;
    output?.spool.write(payload);
  };

  /**
   * The last stretch read of the previous pack. A build asks for entries mostly in the order the last one wrote them:
   * read a stretch at a time, 4000 entries cost a few dozen system calls, not 4000 (a partial pack written whole again
   * read its 4000 link lists in 34 ms).
   */
  let stretch: { at: number; bytes: Buffer } | null = null;
  const readPayload = (fd: number, offset: number, length: number) => {
    if (length > READ_AHEAD_BYTES) return readAt(fd, offset, length);
    if (!stretch || offset < stretch.at || offset + length > stretch.at + stretch.bytes.length) stretch = { at: offset, bytes: readAt(fd, offset, READ_AHEAD_BYTES) };
    // A copy: a payload kept must not hold the stretch in memory.
    return Buffer.from(stretch.bytes.subarray(offset - stretch.at, offset - stretch.at + length));
  };

  return {
    get(key) {
      const old = readPrevious();
      const entry = old?.index[key];
      if (!old || !entry) return null;
      const [offset, length, digest] = entry;
      if (offset + length > old.size - LENGTH_BYTES) return null;
      const payload = readPayload(old.fd, offset, length);
      if (payload.length !== length || digestOf(payload) !== digest) return null;
      append(key, payload, digest);
      return payload;
    },
    put(key, payload) {
      readPrevious();
      append(key, payload, digestOf(payload), true);
    },
    finish() {
      const entries = Object.keys(next.index).length;
      // The same entries at the same places as the pack on disk: nothing to write.
      const same = !output && previous && entries === Object.keys(previous.index).length;
      let written = output as { fd: number; file: string; spool: Spool } | null;
      try {
        if (entries > 0 && !same) {
          written ??= openOutput();
          written.spool.write(indexBytes(next.index));
          written.spool.flush();
          closeSync(written.fd);
          written = null;
          renameSync(output!.file, file);
        }
      } catch {
        // the pages are rendered again next time
      } finally {
        if (written) closeSync(written.fd);
        if (output) rmSync(output.file, { force: true });
        if (previous) closeSync(previous.fd);
      }
      output = null;
      next.index = {};
      next.size = 0;
      previous = undefined;
      stretch = null;
    },
  };
}

/** `length` bytes of the open file `fd` from `offset` (fewer at its end). */
function readAt(fd: number, offset: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  const read = readSync(fd, bytes, 0, length, offset);
  return read === length ? bytes : bytes.subarray(0, read);
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
  /** What this build stored, in a file beside the pack (made with the first entry), by key. */
  let added: { fd: number; file: string; spool: Spool } | null = null;
  const stored = new Map<string, [offset: number, length: number, digest: string]>();
  const storedPayload = (key: string) => {
    const [offset, length] = stored.get(key)!;
    return added!.spool.read(offset, length);
  };
  const closeAdded = () => {
    if (!added) return;
    closeSync(added.fd);
    rmSync(added.file, { force: true });
    added = null;
  };
  return {
    get(key) {
      if (stored.has(key)) return storedPayload(key);
      const handle = open();
      const entry = old?.index[key];
      if (handle === null || !entry) return null;
      const [offset, length, digest] = entry;
      if (offset + length > old!.size - LENGTH_BYTES) return null;
      const bytes = readAt(handle, offset, length);
      return bytes.length === length && digestOf(bytes) === digest ? bytes : null;
    },
    put(key, payload) {
      added ??= spoolBeside(file, 'added');
      stored.set(key, [added.spool.write(payload), payload.length, digestOf(payload)]);
    },
    finish() {
      const handle = open();
      try {
        const fresh = [...stored].filter(([key, [, , digest]]) => old?.index[key]?.[2] !== digest);
        if (fresh.length === 0) return;
        const index: Index = { ...old?.index };
        const kept = Object.values(index).reduce((sum, [, length]) => sum + length, 0);
        if (handle === null || !old || old.size > 2 * kept + FLUSH_BYTES) {
          // No pack, a damaged one, or one mostly left over: written whole, every entry kept.
          const whole = openEntryPack(file);
          for (const key of Object.keys(index)) if (!stored.has(key)) whole.get(key);
          for (const [key] of fresh) whole.put(key, storedPayload(key));
          if (handle !== null) closeSync(handle);
          fd = undefined;
          whole.finish();
          return;
        }
        // After the last index: the new payloads, then the new index and its length.
        const spool = openSpool(handle, old.size);
        for (const [key, [, length, digest]] of fresh) index[key] = [spool.write(storedPayload(key)), length, digest];
        spool.write(indexBytes(index));
        spool.flush();
      } catch {
        // the pages are rendered again next time
      } finally {
        if (fd !== undefined && fd !== null) closeSync(fd);
        fd = undefined;
        old = null;
        stored.clear();
        closeAdded();
      }
    },
  };
}
