// Types of write-whole.mjs (plain JavaScript, for the writer threads).
export function writeWhole(file: string, data: string | Uint8Array): void;
export function temporaryBeside(file: string): string;
