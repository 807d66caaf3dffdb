// Types of cache-store.mjs (plain JavaScript, for the writer threads).
export function entryFile(dir: string, kind: string, key: string): string;
export function readEntry(file: string): Buffer | null;
export function writeEntry(file: string, payload: Buffer | Uint8Array): void;
export function writeEntrySoon(file: string, payload: Buffer | Uint8Array): Promise<void>;
