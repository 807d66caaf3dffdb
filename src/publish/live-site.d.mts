// Types of live-site.mjs (plain JavaScript, for the writer threads).
export function unchangedInLive(live: string, file: string, data: Uint8Array, compressed: boolean): { raw: number; gzip: number; brotli: number } | null;
