// Whether the published site already has a file exactly so, with its .gz
// and .br: then a build writes nothing for it. Shared by the main thread
// (writer.ts, which asks first and sends the file to a writer thread only
// when it changed) and the writer threads, so it is plain JavaScript.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const sizeOf = (file) => {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
};

/**
 * The sizes of `file` and its siblings when the site in `live` has it with
 * these bytes (and, when `compressed`, its .gz and .br); else null.
 */
export function unchangedInLive(live, file, data, compressed) {
  const target = path.join(live, file);
  if (sizeOf(target) !== data.length || !readFileSync(target).equals(data)) return null;
  if (!compressed) return { raw: data.length, gzip: data.length, brotli: data.length };
  const gzip = sizeOf(`${target}.gz`);
  const brotli = sizeOf(`${target}.br`);
  return gzip > 0 && brotli > 0 ? { raw: data.length, gzip, brotli } : null;
}
