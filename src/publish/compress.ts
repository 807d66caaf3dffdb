// Which files get precompressed siblings (.gz, .br), so a static host sends
// them without compressing per request, and how hard brotli works on them.
// The writer thread (write-worker.mjs) does the compressing.
// What is worth compressing is the app's rule too (../compression.ts).
import { isCompressibleType, MIN_COMPRESS_BYTES } from '../compression.ts';
import { contentTypeOf } from '../static.ts';

export const isCompressible = (file: string, size: number): boolean =>
  size > MIN_COMPRESS_BYTES && isCompressibleType(contentTypeOf(file));

/**
 * Brotli's top quality costs about 60x quality 6 for a few percent: worth it
 * for hashed assets, cached for a year by every visitor, not for pages that
 * change with every build.
 */
export const brotliQuality = ({ hashed }: { hashed: boolean }): number => (hashed ? 10 : 6);
