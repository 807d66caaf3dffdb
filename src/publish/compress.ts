// Which files get precompressed siblings (.gz, .br), so a static host sends
// them without compressing per request, how hard brotli works on them, and
// whether the build cache keeps them. The writer thread (write-worker.mjs)
// does the compressing.
// What is worth compressing is the app's rule too (../compression.ts).
import { isCompressibleType, MIN_COMPRESS_BYTES } from '../compression.ts';
import { contentTypeOf } from '../static.ts';

/** How a file's .gz and .br are made (see compressionOf). */
export interface Compression {
  brotliQuality: number;
  /** Kept in the build cache (the "compressed" entries), found there by the next build. */
  cached: boolean;
}

const isCompressible = (file: string, size: number): boolean =>
  size > MIN_COMPRESS_BYTES && isCompressibleType(contentTypeOf(file));

/**
 * Brotli's top quality costs about 60x quality 6 for a few percent: worth it
 * for hashed assets, cached for a year by every visitor, not for pages that
 * change with every build.
 *
 * Only a hashed asset's compression is kept in the build cache. A page's
 * (quality 6, a few KB) costs less to make again than its cache entry costs
 * to create as a file, the slow part of a cold build on many disks; and a
 * page that did not change keeps its .gz and .br in the published site.
 */
export const compressionOf = (file: string, size: number, { hashed }: { hashed: boolean }): Compression | null =>
  isCompressible(file, size) ? { brotliQuality: hashed ? 10 : 6, cached: hashed } : null;
