// The Node versions CI tests (.ci/node-versions), and where `.ci/node.sh`
// keeps each once fetched, for tests and benchmarks that run them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../src/settings.ts';

/** The pinned versions, oldest first; the last is the newest LTS. */
export function pinnedNodes(): string[] {
  return readFileSync(path.join(ROOT, '.ci/node-versions'), 'utf8').match(/^\d+\.\d+\.\d+/gm) ?? [];
}

/**
 * The `node` binary of this pinned version: the one running now when it is
 * that version, else the one `.ci/node.sh` fetched; null when neither
 * (nothing is fetched here: `bash .ci/node.sh <version>` does).
 */
export function pinnedNode(version: string): string | null {
  if (process.versions.node === version) return process.execPath;
  try {
    const bin = execFileSync('bash', [path.join(ROOT, '.ci/node.sh'), '--cached', version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return path.join(bin.trim(), 'node');
  } catch {
    return null;
  }
}
