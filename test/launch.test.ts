// scripts/launch.mjs, the way npm scripts start Node: the entry runs as if
// started with `node <entry.ts> [args]`, sees its own import.meta.url, and a
// source edit reaches the next start (on Node 20 through a bundle that is
// made again; where Node strips types, directly).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { ROOT } from '../src/settings.ts';
import { tempDir } from './helpers.ts';

const launch = (entry: string, args: string[]) =>
  JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'scripts/launch.mjs'), entry, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }));

test('runs a TypeScript entry with its arguments, its own import.meta.url, and each edit of its sources', () => {
  const dir = tempDir('lightweight-launch-');
  const entry = path.join(dir, 'entry.ts');
  writeFileSync(path.join(dir, 'greeting.ts'), "export const greeting: string = 'hello';\n");
  writeFileSync(
    entry,
    "import { greeting } from './greeting.ts';\n" +
      "const lazy = async () => (await import('./lazy.ts')).lazy;\n" +
      'console.log(JSON.stringify({ greeting, lazy: await lazy(), args: process.argv.slice(2), main: process.argv[1], url: import.meta.url }));\n',
  );
  writeFileSync(path.join(dir, 'lazy.ts'), "export const lazy: number = 1;\n");

  const first = launch(entry, ['--flag', 'x']);
  assert.deepEqual(first, { greeting: 'hello', lazy: 1, args: ['--flag', 'x'], main: entry, url: pathToFileURL(entry).href });
  assert.deepEqual(launch(entry, []).args, [], 'started again from what is kept');

  writeFileSync(path.join(dir, 'greeting.ts'), "export const greeting: string = 'hello again, longer';\n");
  writeFileSync(path.join(dir, 'lazy.ts'), "export const lazy: number = 22;\n");
  const edited = launch(entry, []);
  assert.equal(edited.greeting, 'hello again, longer');
  assert.equal(edited.lazy, 22, 'a module loaded with import() is seen edited too');

  if (!(process.features as { typescript?: unknown }).typescript) {
    const launched = path.join(ROOT, 'node_modules/.cache/lightweight/launch');
    const name = path.relative(ROOT, entry).replace(/[^\w.-]+/g, '_');
    const bundles = readdirSync(launched).filter((f) => f.startsWith(`${name}-`));
    assert.equal(bundles.length, 2, `one bundle per version of the sources: ${bundles.join(', ')}`);
    for (const kept of [...bundles, `${name}.json`]) rmSync(path.join(launched, kept), { recursive: true, force: true });
  }
});
