// The build's writer thread: writes the files of the site and their .gz and
// .br siblings, so the main thread only renders and rewrites pages. Small
// synchronous writes cost far less here than promise-based ones, which take
// several trips through libuv's pool per file.
//
// Plain JavaScript, so it runs without tsx's loader: starting that in a
// thread costs a core for a third of a second (see writer.ts).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import zlib from 'node:zlib';

/** @type {{ dir: string, replace: boolean }} */
const { dir, replace } = workerData;
const madeDirs = new Set();

function put(file, data) {
  const target = path.join(dir, file);
  const folder = path.dirname(target);
  if (!madeDirs.has(folder)) {
    mkdirSync(folder, { recursive: true });
    madeDirs.add(folder);
  }
  // In a rebuild the file may be a hard link into the published site: replace it, never write into it.
  if (replace) rmSync(target, { force: true });
  writeFileSync(target, data);
}

function compressed(data, brotliQuality) {
  return {
    gzip: zlib.gzipSync(data, { level: zlib.constants.Z_BEST_COMPRESSION }),
    brotli: zlib.brotliCompressSync(data, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: brotliQuality,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
  };
}

parentPort.on('message', ({ id, file, data, brotliQuality }) => {
  try {
    put(file, data);
    const sizes = { raw: data.length, gzip: data.length, brotli: data.length };
    if (brotliQuality) {
      const { gzip, brotli } = compressed(data, brotliQuality);
      put(`${file}.gz`, gzip);
      put(`${file}.br`, brotli);
      sizes.gzip = gzip.length;
      sizes.brotli = brotli.length;
    } else if (replace) {
      // A rebuilt page may have shrunk below the threshold since the last build.
      rmSync(path.join(dir, `${file}.gz`), { force: true });
      rmSync(path.join(dir, `${file}.br`), { force: true });
    }
    parentPort.postMessage({ id, sizes });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
