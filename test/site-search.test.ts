// Site search: `npm run build` (build.ts in its own process) indexes the
// pages with Pagefind, the same pages give the same bytes, and the starter
// layout's {{ search() }} box finds a page in Chromium through the preview
// server: typing a word lists the page holding it, titled, with the word
// marked in an excerpt; a part marked data-search-ignore is not found; and
// under `npm run dev`, where there is no index, the box says where search
// works and the page stays whole.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { previewRoutes } from '../src/publish/preview.ts';
import { ROOT } from '../src/settings.ts';
import { AxeBuilder } from '@axe-core/playwright';
import { NAV_PAGES, writeFiles } from './fixtures/site.ts';
import { launchChromium, startApp, tempDir, type Running } from './helpers.ts';
import { headersFor, parseHeadersFile } from './fixtures/headers-file.ts';

const PAGES = {
  ...NAV_PAGES,
  'guides/zeppelins.md': '---\ntitle: Airships\n---\n# Airships\n\nThe zeppelin floats over the harbour at dawn.\n\n<div data-search-ignore>Only the quokka knows.</div>\n',
  'guides/boats.md': '# Boats\n\nA ferry crosses the harbour every hour.\n\n<p data-pagefind-ignore>The narwhal is not here.</p>\n',
};

/** `npm run build` with this environment, bounded in time. */
function build(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'build.ts'], { cwd: ROOT, env: { ...process.env, SITE_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))));
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

/** Type into the page's search box and wait for its status line to answer. */
async function searchFor(page: Page, term: string): Promise<{ status: string; results: Array<{ title: string; href: string; excerpt: string }> }> {
  const box = page.getByRole('searchbox', { name: 'Search this site' });
  await box.fill(term);
  // The box is busy from the first key to the answer of the last.
  await page.waitForFunction(() => document.querySelector('.site-search-results')!.getAttribute('aria-busy') === 'false', null, { timeout: 10_000 });
  return page.evaluate(() => ({
    status: document.querySelector('.site-search [role="status"]')!.textContent!,
    results: [...document.querySelectorAll('.site-search ol li')].map((li) => ({
      title: li.querySelector('a')!.textContent!,
      href: li.querySelector('a')!.getAttribute('href')!,
      excerpt: li.querySelector('p')!.innerHTML,
    })),
  }));
}

describe('site search', () => {
  const root = tempDir('lightweight-search-');
  const pagesDir = path.join(root, 'pages');
  const buildDir = path.join(root, '_build');
  let browser: Browser;
  before(async () => {
    writeFiles(pagesDir, PAGES);
    browser = await launchChromium();
  });
  after(() => browser?.close());

  test('npm run build writes the Pagefind index and nothing it does not need; the same pages give the same bytes', async () => {
    const env = { PAGES_DIR: pagesDir, BUILD_CACHE: 'off' };
    const first = await build({ ...env, BUILD_DIR: buildDir });
    assert.equal(first.code, 0, first.stderr);
    const htmlPages = Object.keys(PAGES).filter((name) => /\.(html|md)$/.test(name)).length;
    assert.match(first.stdout, new RegExp(`Search index of ${htmlPages} pages in pagefind/`), 'every HTML page, and no text page');
    const index = filesUnder(path.join(buildDir, 'pagefind'));
    for (const needed of ['pagefind.js', 'pagefind-worker.js', 'pagefind-entry.json', 'wasm.en.pagefind']) assert.ok(index.includes(needed), needed);
    assert.ok(index.some((file) => /^index\/.*\.pf_index$/.test(file)) && index.some((file) => /^fragment\/.*\.pf_fragment$/.test(file)), index.join(' '));
    assert.ok(!index.some((file) => /pagefind-(ui|modular-ui|component-ui|highlight)/.test(file)), 'no Pagefind UI bundle');
    assert.ok(index.includes('pagefind.js.br'), 'its script is precompressed like other files');
    // The pages that hold a box may run WebAssembly, in their <meta> policy and in _headers.
    const page = readFileSync(path.join(buildDir, 'guides/zeppelins/index.html'), 'utf8');
    assert.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(page)![1]!, /script-src 'self' 'wasm-unsafe-eval'/);
    const policy = headersFor(parseHeadersFile(readFileSync(path.join(buildDir, '_headers'), 'utf8')), '/guides/zeppelins/').filter(([name]) => name === 'Content-Security-Policy');
    assert.equal(policy.length, 1, 'one policy for the page');
    assert.match(policy[0]![1], /script-src 'self' 'wasm-unsafe-eval'/);

    const again = path.join(root, '_again');
    assert.equal((await build({ ...env, BUILD_DIR: again })).code, 0);
    const files = filesUnder(buildDir).sort();
    assert.deepEqual(filesUnder(again).sort(), files);
    for (const file of files) assert.ok(readFileSync(path.join(buildDir, file)).equals(readFileSync(path.join(again, file))), `${file} is the same bytes`);
  });

  describe('in Chromium, through the preview server', () => {
    let server: Server;
    let base: string;
    before(async () => {
      if (!existsSync(path.join(buildDir, 'pagefind'))) assert.equal((await build({ PAGES_DIR: pagesDir, BUILD_CACHE: 'off', BUILD_DIR: buildDir })).code, 0);
      server = await new Promise<Server>((resolve) => {
        const s = serve({ fetch: previewRoutes(buildDir).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
      });
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => {
      server?.closeAllConnections();
      server?.close();
    });

    test('typing a word lists the page holding it, titled, with the word marked in an excerpt', async () => {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(err.message));
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
      await page.goto(`${base}/about/`);
      const found = await searchFor(page, 'zeppelin');
      assert.equal(found.status, '1 page found');
      assert.deepEqual(found.results.map(({ title, href }) => ({ title, href })), [{ title: 'Airships', href: '/guides/zeppelins/' }]);
      assert.match(found.results[0]!.excerpt, /<mark>zeppelin<\/mark> floats over the harbour/);
      const both = await searchFor(page, 'harbour');
      assert.deepEqual(both.results.map((r) => r.href).sort(), ['/guides/boats/', '/guides/zeppelins/']);
      // Enter opens the first page found.
      await searchFor(page, 'ferry');
      await Promise.all([page.waitForURL(`${base}/guides/boats/`), page.getByRole('searchbox').press('Enter')]);
      assert.deepEqual(problems, [], 'no error and no policy violation');
      await page.close();
    });

    for (const [name, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]] as const) {
      test(`the open results, and the word found nowhere, pass axe-core at ${name} width`, async () => {
        const context = await browser.newContext({ viewport });
        const page = await context.newPage();
        try {
          await page.goto(`${base}/about/`);
          // On a phone the box is in the collapsed menu, as the navbar's links are.
          if (name === 'phone') {
            await page.click('.navbar-toggler');
            await page.waitForSelector('#site-nav.show');
          }
          const found: string[] = [];
          for (const [word, status] of [['harbour', '2 pages found'], ['quokka', 'No page matches “quokka”.']] as const) {
            assert.equal((await searchFor(page, word)).status, status);
            const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
            found.push(...violations.map((v) => `${word}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
          }
          assert.deepEqual(found, []);
        } finally {
          await context.close();
        }
      });
    }

    test('a part marked data-search-ignore or data-pagefind-ignore, and the navigation, are not found', async () => {
      const page = await browser.newPage();
      await page.goto(`${base}/`);
      for (const word of ['quokka', 'narwhal']) {
        const found = await searchFor(page, word);
        assert.deepEqual([found.status, found.results], [`No page matches “${word}”.`, []], word);
      }
      // "Login" is in every page's navbar and in no page's content but its own.
      assert.deepEqual((await searchFor(page, 'login')).results.map((r) => r.href), ['/login/']);
      await page.close();
    });
  });

  test('under BASE_PATH, the box finds the page at its address below the base', async () => {
    const projectDir = path.join(root, '_project');
    const built = await build({ PAGES_DIR: pagesDir, BUILD_DIR: projectDir, BASE_PATH: '/project/' });
    assert.equal(built.code, 0, built.stderr);
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: previewRoutes(projectDir, '/project/').fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
    });
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/project/pricing/`);
      assert.deepEqual((await searchFor(page, 'zeppelin')).results.map((r) => r.href), ['/project/guides/zeppelins/']);
    } finally {
      await page.close();
      server.closeAllConnections();
      server.close();
    }
  });

  describe('under npm run dev', () => {
    let app: Running;
    before(async () => {
      app = await startApp({ SERVICES: 'pages', PAGES_DIR: pagesDir, DEBUG: 'on' }, { dev: true });
    });
    after(() => app?.close());

    test('the box says that search works in the built site, and the page stays whole', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${app.url}/guides/zeppelins/`);
      const found = await searchFor(page, 'zeppelin');
      assert.equal(found.status, 'Search works in the built site: run npm run build, then npm run preview.');
      assert.deepEqual(found.results, []);
      assert.deepEqual(errors, []);
      assert.equal(await page.getByRole('heading', { name: 'Airships' }).isVisible(), true);
      assert.equal(await page.getByRole('link', { name: 'Pricing' }).isVisible(), true, 'the navbar works');
      await page.close();
    });
  });
});
