// Types of write-job.mjs (plain JavaScript, for the writer threads).
import type { Compression } from './compress.ts';

/** A file to write: where it goes in the staging folder, its bytes, and its compression (null for no .gz and .br). */
export interface WriteJob {
  id: number;
  target: string;
  data: Uint8Array;
  compression: Compression | null;
}

/** How it went: the sizes written (and whether with .gz and .br), or the error. */
export interface WriteReply {
  id: number;
  sizes?: { raw: number; gzip: number; brotli: number };
  compressed?: boolean;
  error?: string;
}

export function jobWriter(options: { dir: string; cache: { dir: string; version: string } | null }): (job: WriteJob) => WriteReply;
