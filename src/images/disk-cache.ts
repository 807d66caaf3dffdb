// Renditions on disk, by digest, under IMAGE_CACHE_DIR
// (node_modules/.cache/lightweight/images/ by default, where such tools
// conventionally keep their caches): they outlive the process, so a restart
// or a build reuses what was made before. A file appears whole or not at
// all (written aside, then renamed).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface DiskCache {
  get(name: string): Promise<Buffer | null>;
  put(name: string, bytes: Uint8Array): Promise<void>;
}

export function createDiskCache(dir: string): DiskCache {
  let ready: Promise<unknown> | undefined;
  return {
    async get(name) {
      try {
        return await readFile(path.join(dir, name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async put(name, bytes) {
      await (ready ??= mkdir(dir, { recursive: true }));
      const aside = path.join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await writeFile(aside, bytes);
        await rename(aside, path.join(dir, name));
      } catch (err) {
        await rm(aside, { force: true });
        throw err;
      }
    },
  };
}
