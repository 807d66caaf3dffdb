// scripts/launch.mjs, the way npm scripts start Node: the entry runs as if
// started with `node <entry.ts> [args]`, sees its own import.meta.url, and a
// source edit reaches the next start (through a bundle made again, on every
// Node; under --watch, where Node strips types, from the .ts files).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { ROOT } from '../src/settings.ts';
import { writeFiles } from './fixtures/site.ts';
import { tempDir } from './helpers.ts';
import { pinnedNode, pinnedNodes } from './node-versions.ts';

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
  // Where Node strips types too: the bundle starts faster, and with less memory.
  const launched = path.join(ROOT, 'node_modules/.cache/lightweight/launch');
  const name = path.relative(ROOT, entry).replace(/[^\w.-]+/g, '_');
  const bundles = () => readdirSync(launched).filter((f) => f.startsWith(`${name}-`));
  const [firstBundle] = bundles();
  assert.equal(bundles().length, 1, 'one bundle, run twice');

  writeFileSync(path.join(dir, 'greeting.ts'), "export const greeting: string = 'hello again, longer';\n");
  writeFileSync(path.join(dir, 'lazy.ts'), "export const lazy: number = 22;\n");
  const edited = launch(entry, []);
  assert.equal(edited.greeting, 'hello again, longer');
  assert.equal(edited.lazy, 22, 'a module loaded with import() is seen edited too');
  assert.equal(bundles().length, 2, `one bundle per version of the sources, the last hour's kept: ${bundles().join(', ')}`);

  // Once a bundle was replaced over an hour ago, the next new one removes it, and the compile cache with it.
  const twoHoursAgo = (Date.now() - 7_200_000) / 1000;
  for (const bundle of bundles()) utimesSync(path.join(launched, bundle), twoHoursAgo, twoHoursAgo);
  const compiled = path.join(ROOT, 'node_modules/.cache/lightweight/compile');
  const marker = path.join(compiled, `${name}.marker`);
  mkdirSync(compiled, { recursive: true });
  writeFileSync(marker, '');
  writeFileSync(path.join(dir, 'greeting.ts'), "export const greeting: string = 'hello a third time';\n");
  assert.equal(launch(entry, []).greeting, 'hello a third time');
  assert.equal(bundles().length, 1, `the old bundles removed: ${bundles().join(', ')}`);
  assert.notEqual(bundles()[0], firstBundle);
  assert.equal(existsSync(marker), false, 'the compile cache removed with them');
  for (const kept of [...bundles(), `${name}.json`]) rmSync(path.join(launched, kept), { recursive: true, force: true });
});

test("a bundle kept by another checkout's launcher (node_modules copied with its cache) is not run here", () => {
  const write = (dir: string, greeting: string) => {
    writeFileSync(path.join(dir, 'greeting.ts'), `export const greeting: string = '${greeting}';\n`);
    writeFileSync(path.join(dir, 'entry.ts'), "import { greeting } from './greeting.ts';\nconsole.log(JSON.stringify({ greeting }));\n");
    return path.join(dir, 'entry.ts');
  };
  const here = write(tempDir('lightweight-launch-here-'), 'here');
  const elsewhere = write(tempDir('lightweight-launch-elsewhere-'), 'elsewhere');
  assert.equal(launch(elsewhere, []).greeting, 'elsewhere');
  // The other checkout's record, under this entry's name: its sources are unchanged, its launcher is not this one.
  const launched = path.join(ROOT, 'node_modules/.cache/lightweight/launch');
  const recordOf = (entry: string) => path.join(launched, `${path.relative(ROOT, entry).replace(/[^\w.-]+/g, '_')}.json`);
  const record = JSON.parse(readFileSync(recordOf(elsewhere), 'utf8')) as { folder: string; inputs: Record<string, string> };
  const launcher = path.join(ROOT, 'scripts/launch.mjs');
  const { [launcher]: _ours, ...inputs } = record.inputs;
  writeFileSync(recordOf(here), JSON.stringify({ ...record, inputs: { ...inputs, [path.join(path.dirname(elsewhere), 'launch.mjs')]: 'missing' } }));
  try {
    assert.equal(launch(here, []).greeting, 'here', 'bundled again from its own sources');
  } finally {
    for (const entry of [here, elsewhere]) {
      const kept = JSON.parse(readFileSync(recordOf(entry), 'utf8')) as { folder: string };
      rmSync(path.join(launched, kept.folder), { recursive: true, force: true });
      rmSync(recordOf(entry), { force: true });
    }
    rmSync(path.join(launched, record.folder), { recursive: true, force: true });
  }
});

test('npm run build through the bundle, with nunjucks and markdown-it bundled in, writes the site the .ts files write', () => {
  const dir = tempDir('lightweight-launch-build-');
  writeFiles(dir, {
    'pages/index.md': '---\ntitle: Home\nlayout: base.html\n---\n# Welcome\n\nSee [the notes](/notes/), *now*: https://example.com & more.',
    'pages/notes.html': '{% extends "base.html" %}{% block content %}{% for n in [3, 1, 2] | sort %}<p>{{ n }} {{ "a < b" }}</p>{% endfor %}{% endblock %}',
    'templates/base.html': '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title | default("Notes") | upper }}</title></head><body><main>{% block content %}{{ content | safe }}{% endblock %}</main></body></html>',
    'static/.keep': '',
  });
  const built = (how: string[], buildDir: string) => {
    const env = { ...process.env, PAGES_DIR: path.join(dir, 'pages'), TEMPLATES_DIR: path.join(dir, 'templates'), STATIC_DIR: path.join(dir, 'static'), BUILD_DIR: buildDir, BUILD_CACHE: 'off', SITE_URL: '' };
    execFileSync(process.execPath, [...how, 'build.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
    return Object.fromEntries(readdirSync(buildDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      return [path.relative(buildDir, file), readFileSync(file, 'latin1')];
    }));
  };
  const bundled = built([path.join(ROOT, 'scripts/launch.mjs')], path.join(dir, 'bundled'));
  assert.match(bundled['index.html'] ?? '', /<title>HOME<\/title>.*<h1 id="welcome">Welcome<\/h1>.*<a href="https:\/\/example.com">https:\/\/example.com<\/a> &amp; more/s, 'the Markdown page in its layout, links made by linkify');
  assert.match(bundled['notes/index.html'] ?? '', /<p>1 a &lt; b<\/p><p>2 a &lt; b<\/p><p>3 a &lt; b<\/p>/, 'nunjucks: sort, escaping, blocks');
  assert.deepEqual(bundled, built(['--import', 'tsx'], path.join(dir, 'from-source')));
});

/**
 * `launch.mjs --watch` (npm run dev) on `node`: the entry's output until it has
 * shown `greeting` before and after one edit of a file it imports.
 */
async function watchEdit(node: string): Promise<{ lines: { greeting: string; execArgv: string[] }[] }> {
  const dir = tempDir('lightweight-watch-');
  const greeting = path.join(dir, 'greeting.ts');
  const entry = path.join(dir, 'entry.ts');
  writeFileSync(greeting, "export const greeting: string = 'before';\n");
  writeFileSync(entry, "import { greeting } from './greeting.ts';\nconsole.log(JSON.stringify({ greeting, execArgv: process.execArgv }));\nsetInterval(() => {}, 1000);\n");
  const { NODE_OPTIONS: _, ...env } = process.env;
  const child = spawn(node, [path.join(ROOT, 'scripts/launch.mjs'), '--watch', entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const lines = () => output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
  const until = async (what: string, done: () => boolean) => {
    for (const deadline = Date.now() + 60_000; !done(); await new Promise((resolve) => setTimeout(resolve, 100))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${what}: not seen; output:\n${output}`);
    }
  };
  try {
    await until('the first start', () => lines().length > 0);
    writeFileSync(greeting, "export const greeting: string = 'after';\n");
    await until('a start after the edit', () => lines().some((line) => line.greeting === 'after'));
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
  return { lines: lines() };
}

test('--watch starts the entry again when a file it imports is edited', { timeout: 120_000 }, async () => {
  const { lines } = await watchEdit(process.execPath);
  assert.deepEqual(lines.map((line) => line.greeting).filter((g, i, all) => all.indexOf(g) === i), ['before', 'after']);
});

const newest = pinnedNodes().at(-1)!;
const newestNode = pinnedNode(newest);
test(`--watch on Node ${newest} uses Node's watch mode and type stripping, not tsx`, { timeout: 120_000, skip: newestNode ? false : `Node ${newest} is not at hand (bash .ci/node.sh ${newest} fetches it)` }, async () => {
  const { lines } = await watchEdit(newestNode!);
  assert.equal(lines.at(-1)!.greeting, 'after');
  for (const line of lines) assert.ok(!line.execArgv.some((arg) => /tsx/.test(arg)), `no tsx: ${line.execArgv.join(' ')}`);
});
