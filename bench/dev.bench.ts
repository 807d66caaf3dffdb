// `npm run bench -- dev`: the designer's loop under `npm run dev`, against
// Eleventy's dev server (`eleventy --serve`) on the same edits in the same
// run. A Chromium tab shows one page; twenty stylesheet edits and twenty
// page edits are each timed from the file write to the first animation
// frame that shows the change (the tab records the time itself, so no
// round trip to the browser is counted). p50 and p99 per kind and server.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { fmt, ROOT } from './lib.ts';
import { freePort } from '../test/services.ts';

const EDITS = Number(process.env.BENCH_EDITS ?? 20);
/** Between edits: every watcher has settled and the tab is listening again. */
const PAUSE_MS = 400;
const ELEVENTY = path.join(ROOT, 'node_modules/@11ty/eleventy/cmd.cjs');

/** In the page: `__seen(test)` resolves with the time of the first frame where `test()` holds. */
const RECORDER = `<script>
window.__seen = (test) => new Promise((resolve) => {
  const frame = () => (test() ? resolve(Date.now()) : requestAnimationFrame(frame));
  frame();
});
window.__loadedAt = new Promise((resolve) => requestAnimationFrame(() => resolve(Date.now())));
</script>`;

const body = (version: number) => `<h1 id="message" data-version="${version}">Version ${version}</h1>
<link rel="stylesheet" href="/static/css/bench.css">
<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.</p>
${RECORDER}
`;
const css = (n: number) => `#message { color: rgb(${n}, 0, 0); }\n`;

interface DevServer {
  url: string;
  pageFile: string;
  cssFile: string;
  stop(): Promise<void>;
}

/** Start `command` in its own process group; resolves once its output matches `ready`. */
async function startChild(command: string, args: string[], options: { cwd: string; env: Record<string, string>; ready: RegExp }): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} ${args.join(' ')} did not start:\n${output}`)), 60_000);
    const look = (chunk: Buffer) => {
      output += chunk;
      if (options.ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.on('exit', (code) => reject(new Error(`${command} exited with ${code}:\n${output}`)));
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGTERM');
  const force = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(force);
}

async function startOurs(work: string): Promise<DevServer> {
  const pagesDir = path.join(work, 'ours/pages');
  const staticDir = path.join(work, 'ours/static');
  cpSync(path.join(ROOT, 'pages'), pagesDir, { recursive: true });
  cpSync(path.join(ROOT, 'static'), staticDir, { recursive: true });
  const pageFile = path.join(pagesDir, 'bench.html');
  const cssFile = path.join(staticDir, 'css/bench.css');
  writeFileSync(pageFile, body(0));
  writeFileSync(cssFile, css(0));
  const port = await freePort();
  const child = await startChild('npm', ['run', 'dev'], {
    cwd: ROOT,
    env: { SERVICES: 'pages', PAGES_DIR: pagesDir, STATIC_DIR: staticDir, PORT: String(port), HOST: '127.0.0.1' },
    ready: /Lightweight serving/,
  });
  return { url: `http://127.0.0.1:${port}/bench/`, pageFile, cssFile, stop: () => stopChild(child) };
}

async function startEleventy(work: string): Promise<DevServer> {
  const dir = path.join(work, 'eleventy');
  mkdirSync(path.join(dir, 'src/_includes'), { recursive: true });
  mkdirSync(path.join(dir, 'static/css'), { recursive: true });
  writeFileSync(
    path.join(dir, 'eleventy.config.cjs'),
    `module.exports = (config) => {
  config.addPassthroughCopy('static');
  return { dir: { input: 'src', output: '_site' } };
};
`,
  );
  writeFileSync(
    path.join(dir, 'src/_includes/layout.njk'),
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>\n<body><main>{{ content | safe }}</main></body></html>\n`,
  );
  const pageFile = path.join(dir, 'src/bench.njk');
  const cssFile = path.join(dir, 'static/css/bench.css');
  const frontMatter = '---\nlayout: layout.njk\ntitle: bench\npermalink: /bench/\n---\n';
  writeFileSync(pageFile, frontMatter + body(0));
  writeFileSync(cssFile, css(0));
  const port = await freePort();
  const child = await startChild(process.execPath, [ELEVENTY, '--serve', `--port=${port}`, '--quiet'], {
    cwd: dir,
    env: {},
    ready: /Server at|localhost:\d+/,
  });
  return { url: `http://localhost:${port}/bench/`, pageFile, cssFile, stop: () => stopChild(child) };
}

interface Timings {
  css: number[];
  page: number[];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(page: Page, server: DevServer, pageText: (version: number) => string): Promise<Timings> {
  await page.goto(server.url);
  await page.waitForSelector('#message[data-version="0"]');
  await pause(1000); // the tab's reload stream is open
  const timings: Timings = { css: [], page: [] };
  for (let i = 1; i <= EDITS; i++) {
    const colour = `rgb(${i}, 0, 0)`;
    const seen = page.evaluate(
      (colour) => (window as unknown as { __seen(test: () => boolean): Promise<number> }).__seen(() => getComputedStyle(document.querySelector('#message')!).color === colour),
      colour,
    );
    await pause(50); // the recorder is running
    const written = Date.now();
    writeFileSync(server.cssFile, css(i));
    timings.css.push((await seen) - written);
    await pause(PAUSE_MS);
  }
  type Recorder = { __loadedAt: Promise<number>; __patched?: Promise<number>; __seen(test: () => boolean): Promise<number> };
  for (let i = 1; i <= EDITS; i++) {
    // Ours reloads the tab: the new document records its first frame. Eleventy's patches the DOM in place: the old one sees it.
    await page.evaluate((i) => {
      const w = window as unknown as Recorder;
      w.__patched = w.__seen(() => document.querySelector(`#message[data-version="${i}"]`) !== null);
    }, i);
    await pause(50);
    const written = Date.now();
    writeFileSync(server.pageFile, pageText(i));
    await page.waitForSelector(`#message[data-version="${i}"]`, { timeout: 30_000 });
    const shown = await page.evaluate(() => {
      const w = window as unknown as Recorder;
      return w.__patched ?? w.__loadedAt;
    });
    timings.page.push(shown - written);
    // The next edit's colour must start from this one's stylesheet.
    await pause(PAUSE_MS);
  }
  return timings;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export async function run(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'lightweight-bench-dev-'));
  const { chromium } = await import('playwright-core');
  let browser: Browser | undefined;
  const servers: DevServer[] = [];
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu'] });
    const ours = await startOurs(work);
    servers.push(ours);
    const eleventy = await startEleventy(work);
    servers.push(eleventy);
    const eleventyFrontMatter = '---\nlayout: layout.njk\ntitle: bench\npermalink: /bench/\n---\n';
    const a = await measure(await browser.newPage(), ours, body);
    const b = await measure(await browser.newPage(), eleventy, (i) => eleventyFrontMatter + body(i));

    const row = (name: string, values: number[], baseline: number[], target: number) => {
      const p50 = percentile(values, 50);
      const ratio = p50 / percentile(baseline, 50);
      return `  ${name.padEnd(30)} p50 ${fmt(p50).padStart(4)} ms  p99 ${fmt(percentile(values, 99)).padStart(4)} ms  ${fmt(ratio, 2)}x Eleventy (targets: p50 <= ${target} ms, <= 1.00x: ${p50 <= target && ratio <= 1 ? 'met' : 'MISSED'})`;
    };
    const plain = (name: string, values: number[]) =>
      `  ${name.padEnd(30)} p50 ${fmt(percentile(values, 50)).padStart(4)} ms  p99 ${fmt(percentile(values, 99)).padStart(4)} ms`;
    console.log(`\n${EDITS} edits each, file write to the change on screen`);
    console.log(plain('eleventy --serve: stylesheet', b.css));
    console.log(row('npm run dev: stylesheet', a.css, b.css, 100));
    console.log(plain('eleventy --serve: page', b.page));
    console.log(row('npm run dev: page', a.page, b.page, 250));
  } finally {
    await browser?.close();
    for (const server of servers) await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
