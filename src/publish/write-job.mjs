// Writing one file of the site with its .gz and .br siblings: the job of
// the build's writer threads (write-worker.mjs), and of the main thread in a
// build of a few pages, where starting a thread costs more than the writing
// (writer.ts). Small synchronous writes cost far less than promise-based
// ones, which take several trips through libuv's pool per file.
//
// Only files that changed come here (writer.ts leaves out those the
// published site has exactly so), into the staging folder under the name
// writer.ts gives each; output.ts moves them into the site once
// the build is checked. The .gz and .br come from the build cache when it
// has them.
//
// Plain JavaScript, so a thread runs it without tsx's loader: starting that
// in a thread costs a core for a third of a second (see writer.ts).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { entryFile, readEntry, writeEntry } from './cache-store.mjs';

const GZIP_LEVEL = zlib.constants.Z_BEST_COMPRESSION;

function compress(data, brotliQuality) {
  return {
    gzip: zlib.gzipSync(data, { level: GZIP_LEVEL }),
    brotli: zlib.brotliCompressSync(data, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: brotliQuality,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
  };
}

/**
 * What writes a job into the staging folder `dir`, with the build cache `cache` (null for none), and says how it went.
 * @param {{ dir: string, cache: { dir: string, version: string } | null }} options
 */
export function jobWriter({ dir, cache }) {
  const madeDirs = new Set();

  /** Write `data` as `name` in the staging folder (writer.ts names each file: its place in the site, or a number). */
  function put(name, data) {
    const target = path.join(dir, name);
    const folder = path.dirname(target);
    if (!madeDirs.has(folder)) {
      mkdirSync(folder, { recursive: true });
      madeDirs.add(folder);
    }
    writeFileSync(target, data);
  }

  /**
   * The .gz and .br of `data`: from the cache (keyed by the bytes, both compressors' settings and the builder), or
   * made and kept; made each time for a file whose compression is not `cached` (compress.ts says which).
   */
  function compressed(data, { brotliQuality, cached }) {
    if (!cache || !cached) return compress(data, brotliQuality);
    const key = createHash('sha256').update(`${cache.version}\0compressed\0gzip ${GZIP_LEVEL}\0brotli ${brotliQuality} text\0`).update(data).digest('hex');
    const file = entryFile(cache.dir, 'compressed', key);
    const hit = readEntry(file);
    if (hit) {
      const gzipLength = hit.readUInt32LE(0);
      return { gzip: hit.subarray(4, 4 + gzipLength), brotli: hit.subarray(4 + gzipLength) };
    }
    const made = compress(data, brotliQuality);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(made.gzip.length);
    writeEntry(file, Buffer.concat([length, made.gzip, made.brotli]));
    return made;
  }

  /** Write one file (and its siblings); the reply for the main thread. */
  return function write({ id, target, data, compression }) {
    try {
      put(target, data);
      const sizes = { raw: data.length, gzip: data.length, brotli: data.length };
      if (compression) {
        const { gzip, brotli } = compressed(data, compression);
        put(`${target}.gz`, gzip);
        put(`${target}.br`, brotli);
        sizes.gzip = gzip.length;
        sizes.brotli = brotli.length;
      }
      return { id, sizes, compressed: compression !== null };
    } catch (err) {
      return { id, error: err instanceof Error ? err.message : String(err) };
    }
  };
}
