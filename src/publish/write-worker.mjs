// The build's writer thread: writes the files of the site and their .gz and
// .br siblings, so the main thread only renders and rewrites pages. Small
// synchronous writes cost far less here than promise-based ones, which take
// several trips through libuv's pool per file.
//
// Only files that changed come here (writer.ts leaves out those the
// published site has exactly so), into the staging folder under the name
// writer.ts gives each; output.ts moves them into the site once
// the build is checked. The .gz and .br come from the build cache when it
// has them.
//
// Plain JavaScript, so it runs without tsx's loader: starting that in a
// thread costs a core for a third of a second (see writer.ts).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import zlib from 'node:zlib';
import { entryFile, readEntry, writeEntry } from './cache-store.mjs';

/** @type {{ dir: string, cache: { dir: string, version: string } | null }} */
const { dir, cache } = workerData;
const madeDirs = new Set();
const GZIP_LEVEL = zlib.constants.Z_BEST_COMPRESSION;

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
function write({ id, target, data, compression }) {
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
}

// Files come in batches (see writer.ts); the replies go back as one.
parentPort.on('message', (jobs) => parentPort.postMessage(jobs.map(write)));
