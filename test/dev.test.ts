// Live reload under `npm run dev`: the injected script, the event stream and
// the watcher in-process, then a real Chromium tab following edits under
// `npm run dev`, and a tab reloading when the server restarts.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { createApp } from '../app.ts';
import { loadSettings, ROOT } from '../src/settings.ts';
import { launchChromium, startApp, tempDir, until, type Running } from './helpers.ts';
import { freePort } from './services.ts';

/** Copies of the starter pages (the layout links to them) plus `pages`, and of the static files; the real templates. */
function makeSite(pages: Record<string, string>): { pagesDir: string; staticDir: string; env: Record<string, string> } {
  const dir = tempDir('lightweight-dev-');
  const pagesDir = path.join(dir, 'pages');
  const staticDir = path.join(dir, 'static');
  cpSync(path.join(ROOT, 'pages'), pagesDir, { recursive: true });
  cpSync(path.join(ROOT, 'static'), staticDir, { recursive: true });
  for (const [name, text] of Object.entries(pages)) writeFileSync(path.join(pagesDir, name), text);
  return { pagesDir, staticDir, env: { SERVICES: 'pages', PAGES_DIR: pagesDir, STATIC_DIR: staticDir, DEBUG: 'on' } };
}

/** Reads a server-sent event stream; `next(name)` waits for the next event of that name. */
async function openEvents(url: string) {
  const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    res,
    async next(name: string): Promise<string | null> {
      for (;;) {
        const match = new RegExp(`(?:^|\\n)event: ${name}\\ndata: (.*)\\n\\n`).exec(buffer);
        if (match) {
          buffer = buffer.slice(match.index + match[0].length);
          return match[1]!;
        }
        const { value, done } = await reader.read();
        if (done) return null;
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe('live reload in dev', () => {
  let site: ReturnType<typeof makeSite>;
  let app: Running;
  before(async () => {
    site = makeSite({ 'note.html': '<p>note</p>', 'broken.html': '{% if %}' });
    app = await startApp(site.env, { dev: true });
  });
  after(() => app.close());

  it('injects the script into pages, the 404 page and error pages', async () => {
    for (const [url, status] of [
      ['/note/', 200],
      ['/nope/', 404],
    ] as const) {
      const res = await fetch(app.url + url, { headers: { accept: 'text/html' } });
      assert.equal(res.status, status);
      assert.match(await res.text(), /<script>\/\* live reload: npm run dev \*\/[\s\S]*new EventSource\("\/__reload"\)[\s\S]*<\/script><\/body>/);
    }
    const res = await fetch(`${app.url}/broken/`, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 500);
    assert.match(await res.text(), /pages\/broken\.html[\s\S]*new EventSource/);
  });

  it('tells open tabs which file changed', async () => {
    const events = await openEvents(`${app.url}/__reload`);
    try {
      assert.equal(events.res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      assert.match((await events.next('hello'))!, /^[0-9a-f-]{36}$/);
      writeFileSync(path.join(site.pagesDir, 'note.html'), '<p>edited</p>');
      assert.deepEqual(JSON.parse((await events.next('change'))!), { files: ['pages/note.html'], pages: ['/note/'] }, 'an edit reloads the tabs showing the page');
      mkdirSync(path.join(site.pagesDir, 'docs'), { recursive: true });
      writeFileSync(path.join(site.pagesDir, 'docs', 'new.html'), '<p>new</p>');
      const added = JSON.parse((await events.next('change'))!);
      assert.ok(added.files.includes('pages/docs/new.html'), 'nested folders too');
      assert.equal(added.pages, null, 'a new page reloads every tab (their links to it work now)');
      writeFileSync(path.join(site.pagesDir, 'docs', 'new.html'), '<p>newer</p>');
      assert.deepEqual(JSON.parse((await events.next('change'))!).pages, ['/docs/new/']);
      // A page in a collection shows in other pages (a blog index, a feed): its edit reloads every tab.
      writeFileSync(path.join(site.pagesDir, 'docs', 'new.html'), '---\ntags: post\n---\n<p>a post</p>');
      assert.equal(JSON.parse((await events.next('change'))!).pages, null);
    } finally {
      await events.cancel();
    }
  });

  it('sends stylesheet edits under static/ as css events, once per burst, and anything else there as a change', async () => {
    const events = await openEvents(`${app.url}/__reload`);
    try {
      await events.next('hello');
      writeFileSync(path.join(site.staticDir, 'css/site.css'), 'body { color: red }');
      writeFileSync(path.join(site.staticDir, 'css/site.css'), 'body { color: blue }');
      writeFileSync(path.join(site.staticDir, 'css/placeholder.css'), '.x { color: blue }');
      assert.deepEqual(JSON.parse((await events.next('css'))!).sort(), ['/static/css/placeholder.css', '/static/css/site.css']);
      // A burst of a stylesheet and a page: one reload covers both.
      writeFileSync(path.join(site.staticDir, 'css/site.css'), 'body { color: green }');
      writeFileSync(path.join(site.pagesDir, 'note.html'), '<p>again</p>');
      writeFileSync(path.join(site.staticDir, 'img/logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
      const { files, pages } = JSON.parse((await events.next('change'))!);
      assert.deepEqual(files.sort(), ['pages/note.html', 'static/css/site.css', 'static/img/logo.svg']);
      assert.equal(pages, null, 'a static file other than a stylesheet reloads every tab');
      writeFileSync(path.join(site.pagesDir, 'note.html'), '<p>once more</p>');
      assert.ok(JSON.parse((await events.next('change'))!).files.includes('pages/note.html'), 'no css event came in between');
    } finally {
      await events.cancel();
    }
  });

  it('ends the streams when the part closes', async () => {
    const other = await startApp(makeSite({}).env, { dev: true });
    const events = await openEvents(`${other.url}/__reload`);
    assert.ok(await events.next('hello'));
    await other.lightweight.close();
    assert.equal(await events.next('change'), null, 'the stream ended');
    await other.close();
  });

  it('has neither the script nor the stream outside dev', async () => {
    const plain = await startApp(site.env);
    try {
      assert.doesNotMatch(await (await fetch(`${plain.url}/note/`)).text(), /EventSource/);
      assert.equal((await fetch(`${plain.url}/__reload`)).status, 404);
    } finally {
      await plain.close();
    }
  });
});

describe('a Chromium tab under npm run dev', () => {
  let browser: Browser;
  let child: ChildProcess;
  let output = '';
  const site = makeSite({ 'live.html': '<h1 id="message">First version</h1>' });
  const reloadStreams = () => output.match(/GET \/__reload 200/g)?.length ?? 0;

  before(async () => {
    const port = await freePort();
    child = spawn('npm', ['run', 'dev'], {
      cwd: ROOT,
      env: { ...process.env, ...site.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: npm, the launcher, its watcher and the app stop together
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    await until('npm run dev to serve', () => /Lightweight serving/.test(output), 60_000);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      const force = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
  });

  it('shows each edit of the page without a reload by hand, and template errors until fixed', { timeout: 120_000 }, async () => {
    const port = /Lightweight serving pages at http:\/\/localhost:(\d+)\//.exec(output)![1];
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/live/`);
    assert.equal(await page.textContent('#message'), 'First version');

    /** Save the page, wait for the tab to show `expected` in `selector`, then for it to listen again. */
    const editAndSee = async (text: string, selector: string, expected: string) => {
      const streams = reloadStreams();
      writeFileSync(path.join(site.pagesDir, 'live.html'), text);
      await page.waitForFunction(
        ([selector, expected]) => document.querySelector(selector!)?.textContent?.includes(expected!) ?? false,
        [selector, expected],
        { timeout: 20_000 },
      );
      await until('the reloaded tab to listen again', () => reloadStreams() > streams, 30_000);
    };

    await until('the tab to listen for changes', () => reloadStreams() >= 1, 30_000);
    await editAndSee('<h1 id="message">Second version</h1>', '#message', 'Second version');
    await editAndSee('<h1 id="message">{% if %}</h1>', 'body', 'In pages/live.html, line 1');
    await editAndSee('<h1 id="message">Third version</h1>', '#message', 'Third version');
    await page.close();
  });

  it('applies stylesheet edits (linked and @imported) in place: state, scroll and typed input survive', { timeout: 120_000 }, async () => {
    const port = /Lightweight serving pages at http:\/\/localhost:(\d+)\//.exec(output)![1];
    const siteCss = path.join(site.staticDir, 'css/site.css');
    const original = readFileSync(siteCss, 'utf8');
    writeFileSync(path.join(site.staticDir, 'css/extra.css'), '#message { letter-spacing: 1px; }');
    writeFileSync(siteCss, `@import "extra.css";\n${original}`);
    writeFileSync(path.join(site.pagesDir, 'styled.html'), '<h1 id="message">Styled</h1><input id="typed"><div style="height: 5000px"></div><p id="end">end</p>');
    const page = await browser.newPage();
    const streams = reloadStreams();
    await page.goto(`http://127.0.0.1:${port}/styled/`);
    await until('the tab to listen for changes', () => reloadStreams() > streams, 30_000);
    await page.waitForFunction(() => getComputedStyle(document.querySelector('#message')!).letterSpacing === '1px');
    await page.fill('#typed', 'half a sentence');
    await page.evaluate(() => {
      Object.assign(window, { marker: 'still here' });
      window.scrollTo({ top: 1234, behavior: 'instant' }); // Bootstrap scrolls smoothly otherwise
    });
    assert.equal(await page.evaluate(() => window.scrollY), 1234);
    const style = (property: 'color' | 'letterSpacing') => page.evaluate((p) => getComputedStyle(document.querySelector('#message')!)[p], property);
    const survived = async () => {
      assert.equal(await page.evaluate(() => (window as unknown as { marker?: string }).marker), 'still here');
      assert.equal(await page.evaluate(() => window.scrollY), 1234);
      assert.equal(await page.inputValue('#typed'), 'half a sentence');
    };

    writeFileSync(siteCss, `@import "extra.css";\n${original}\n#message { color: rgb(1, 2, 3); }\n`);
    await page.waitForFunction(() => getComputedStyle(document.querySelector('#message')!).color === 'rgb(1, 2, 3)', undefined, { timeout: 20_000 });
    await survived();

    writeFileSync(path.join(site.staticDir, 'css/extra.css'), '#message { letter-spacing: 7px; }');
    await page.waitForFunction(() => getComputedStyle(document.querySelector('#message')!).letterSpacing === '7px', undefined, { timeout: 20_000 });
    assert.equal(await style('color'), 'rgb(1, 2, 3)', 'the linked sheet still applies');
    await survived();

    // Any other file under static/ (data a page's script reads, an image) reloads the tab.
    writeFileSync(path.join(site.staticDir, 'data.json'), '{"edited": true}');
    await page.waitForFunction(() => !('marker' in window), undefined, { timeout: 20_000 });
    await page.close();
  });

  it('an edit of one page reloads the tabs showing it, and no other', { timeout: 120_000 }, async () => {
    const port = /Lightweight serving pages at http:\/\/localhost:(\d+)\//.exec(output)![1];
    const logged = output.length;
    writeFileSync(path.join(site.pagesDir, 'one.html'), '<h1 id="message">One</h1>');
    writeFileSync(path.join(site.pagesDir, 'two.html'), '<h1 id="message">Two</h1>');
    // The reload for the pages added goes out before the tabs open: a late one would reload both.
    await until('the reload for the pages added', () => /live reload: .*two\.html.* changed/.test(output.slice(logged)), 30_000);
    const streams = reloadStreams();
    const one = await browser.newPage();
    const two = await browser.newPage();
    await one.goto(`http://127.0.0.1:${port}/one/`);
    await two.goto(`http://127.0.0.1:${port}/two/`);
    await until('both tabs to listen for changes', () => reloadStreams() >= streams + 2, 30_000);
    for (const tab of [one, two]) await tab.evaluate(() => Object.assign(window, { marker: true }));
    writeFileSync(path.join(site.pagesDir, 'one.html'), '<h1 id="message">One, edited</h1>');
    await one.waitForFunction(() => document.querySelector('#message')?.textContent === 'One, edited', undefined, { timeout: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await two.evaluate(() => 'marker' in window), true, 'the other tab was not reloaded');
    assert.equal(await one.evaluate(() => 'marker' in window), false);
    await one.close();
    await two.close();
  });
});

describe('a tab when the server restarts', () => {
  /** The app on a fixed port, as the watcher of `npm run dev` restarts it. */
  async function serveOn(port: number, env: Record<string, string>, logs: string[]) {
    const lightweight = await createApp(loadSettings({ ...env, PORT: String(port) }, { dev: true }), (line) => logs.push(line));
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: lightweight.app.fetch, createServer: lightweight.createServer, port, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
    });
    return async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await lightweight.close();
    };
  }

  it('reloads once a new server instance answers', { timeout: 60_000 }, async () => {
    const { env } = makeSite({ 'live.html': '<h1 id="message">Before</h1>' });
    const port = await freePort();
    const logs: string[] = [];
    let stop = await serveOn(port, env, logs);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/live/`);
      await page.evaluate(() => Object.assign(window, { beforeRestart: true }));
      await until('the tab to listen for changes', () => logs.some((line) => line.startsWith('GET /__reload 200')), 30_000);
      await stop();
      stop = await serveOn(port, env, logs);
      await page.waitForFunction(() => !('beforeRestart' in window), undefined, { timeout: 20_000 });
      assert.equal(await page.textContent('#message'), 'Before');
    } finally {
      await browser.close();
      await stop();
    }
  });
});
