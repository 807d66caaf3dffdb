// Temporary folders that go when the test process exits.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// One 'exit' listener for every folder: a listener each would pass Node's
// limit of 10 (a MaxListenersExceededWarning) in any file that starts 11 apps.
const folders: string[] = [];
process.on('exit', () => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder removed when the process exits. */
export function tempDir(prefix = 'lightweight-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(dir);
  return dir;
}
