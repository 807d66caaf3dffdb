// Publish anywhere: a BASE_PATH build of the starter site (build.ts in its own
// process), served under the prefix by the preview server and loaded in
// Chromium; the 404 page, _headers, and preview's caching of hashed files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { parse } from 'yaml';
import { cssUrls } from '../src/publish/css.ts';
import { htmlUrls } from '../src/publish/html.ts';
import { previewRoutes } from '../src/publish/preview.ts';
import { contentSecurityPolicy, SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY } from '../src/security-policy.ts';
import { parseHeadersFile } from './fixtures/headers-file.ts';
import { ROOT } from '../src/settings.ts';
import { launchChromium, onFailedRequest, tempDir } from './helpers.ts';

const BASE = '/project/';

function build(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'build.ts'], { cwd: ROOT, env: { ...process.env, SITE_URL: '', BASE_PATH: '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve({ code, stderr }))));
}

function allFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

describe('BASE_PATH=/project/ npm run build', () => {
  const root = tempDir('lightweight-anywhere-');
  const buildDir = path.join(root, '_build');
  const pagesDir = path.join(root, 'pages');
  let result: { code: number | null; stderr: string };
  const read = (file: string) => readFileSync(path.join(buildDir, file), 'utf8');

  before(async () => {
    cpSync(path.join(ROOT, 'pages'), pagesDir, { recursive: true });
    // Root-absolute links written by hand.
    writeFileSync(path.join(pagesDir, 'links.html'), '<h1>Links</h1>\n<p><a href="/pricing/">Pricing</a> <a href="/team/ada-lovelace/#bio">Ada</a></p>\n<img src="/image/300x200/" alt="A placeholder" width="300" height="200">\n<form action="/contact/" method="get"><button formaction="/pricing/">Plans</button></form>\n<svg role="img" aria-label="Logo"><image href="/image/30x30/" width="30" height="30"></image></svg>\n');
    result = await build({ BUILD_DIR: buildDir, PAGES_DIR: pagesDir, BASE_PATH: 'project', SITE_URL: 'https://user.github.io' });
  });

  test('builds, and every URL it writes starts with the base path', () => {
    assert.equal(result.code, 0, result.stderr);
    const files = allFiles(buildDir).filter((file) => /\.(html|css)$/.test(file));
    assert.ok(files.length > 10);
    let checked = 0;
    for (const file of files) {
      const text = read(file);
      for (const url of file.endsWith('.css') ? cssUrls(text) : htmlUrls(text)) {
        if (!url.startsWith('/') || url.startsWith('//')) continue;
        assert.ok(url.startsWith(BASE), `${file}: ${url}`);
        checked++;
      }
    }
    assert.ok(checked > 100, `${checked} root-absolute URLs checked`);
  });

  test('rewrites hand-written root-absolute links, images and the helpers’ URLs', () => {
    const html = read('links/index.html');
    assert.match(html, /<a href="\/project\/pricing\/">Pricing<\/a>/);
    assert.match(html, /<a href="\/project\/team\/ada-lovelace\/#bio">Ada<\/a>/);
    assert.match(html, /<img src="\/project\/image\/300x200\.png"/);
    assert.match(html, /<form action="\/project\/contact\/" method="get"><button formaction="\/project\/pricing\/">/, 'form targets');
    assert.match(html, /<image href="\/project\/image\/30x30\.png"/, 'an SVG <image> in the page');
    const home = read('index.html');
    assert.match(home, /href="\/project\/static\/vendor\/bootstrap\/[\d.]+\/css\/bootstrap\.min\.[0-9a-f]{8}\.css"/, 'static()');
    assert.match(home, /href="\/project\/about\/"/, "url('page', …)");
    assert.match(home, /src="\/project\/image\/[^"]+\.png"/, 'placeholder()');
    assert.match(read('team/index.html') + read('index.html'), /srcset="\/project\/renditions\/[^"]+"/, 'image()');
  });

  test('writes the sitemap under the base path', () => {
    const locs = [...read('sitemap.xml').matchAll(/<loc>(.*?)<\/loc>/g)].map((m) => m[1]!);
    assert.ok(locs.includes('https://user.github.io/project/') && locs.includes('https://user.github.io/project/pricing/'), locs.join(' '));
    assert.ok(locs.every((loc) => loc.startsWith('https://user.github.io/project/')));
    assert.match(read('robots.txt'), /^Sitemap: https:\/\/user\.github\.io\/project\/sitemap\.xml$/m);
  });

  test('writes a 404 page that names no path, never /404.html', () => {
    const html = read('404.html');
    assert.doesNotMatch(html, /\/404\.html/);
    assert.match(html, /There is no page at this address\./);
  });

  test('writes _headers: security headers everywhere, each page its own policy, hashed files immutable, pages revalidated', () => {
    const rules = new Map([...parseHeadersFile(read('_headers'))].map(([pattern, headers]) => [pattern, headers.map(([name, value]) => `${name}: ${value}`)]));
    assert.deepEqual(rules.get('/project/*'), [...SECURITY_HEADERS, ['Strict-Transport-Security', STRICT_TRANSPORT_SECURITY]].map(([name, value]) => `${name}: ${value}`));
    assert.deepEqual(rules.get('/project/static/*'), ['Cache-Control: public, max-age=31536000, immutable', 'Cross-Origin-Resource-Policy: same-origin']);
    assert.deepEqual(rules.get('/project/renditions/*'), ['Cache-Control: public, max-age=31536000, immutable', 'Cross-Origin-Resource-Policy: cross-origin']);
    for (const [page, file] of [['/project/', 'index.html'], ['/project/pricing/', 'pricing/index.html'], ['/project/team/ada-lovelace/', 'team/ada-lovelace/index.html'], ['/project/404.html', '404.html']] as Array<[string, string]>) {
      const html = read(file);
      const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1]?.replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      assert.ok(meta, `${file} carries its policy in a <meta>`);
      // The header says what the <meta> says, and frame-ancestors, which only a header can.
      assert.deepEqual(rules.get(page), ['Cache-Control: no-cache', 'Cross-Origin-Resource-Policy: same-origin', `Content-Security-Policy: ${meta}; frame-ancestors 'none'`], page);
      assert.equal(contentSecurityPolicy(html), `${meta}; frame-ancestors 'none'`);
    }
    assert.deepEqual(rules.get('/project/image/*'), ['Cache-Control: no-cache', 'Cross-Origin-Resource-Policy: cross-origin'], 'placeholder images keep their name when redrawn, and other sites embed them');
  });

  describe('served under the prefix by the preview server, in Chromium', () => {
    let server: Server;
    let browser: Browser;
    let origin: string;
    before(async () => {
      server = await new Promise<Server>((resolve) => {
        const s = serve({ fetch: previewRoutes(buildDir, BASE).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
      });
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      server?.closeAllConnections();
      server?.close();
    });

    test('every page loads with every request answering 200', async () => {
      const page = await browser.newPage();
      const answers: string[] = [];
      page.on('response', (response) => answers.push(`${response.status()} ${new URL(response.url()).pathname}`));
      onFailedRequest(page, (line) => answers.push(line));
      for (const url of ['', 'pricing/', 'team/', 'team/grace-hopper/', 'links/', 'about/']) {
        // Wait for the network to settle: a lazy image asked for after `load` would otherwise be cancelled by the next page.
        await page.goto(origin + BASE + url, { waitUntil: 'networkidle', timeout: 20_000 });
        assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.navbar')!).position), 'fixed', `${url}: styled`);
        // Lazy images far below the fold are not asked for; those asked for are in `answers`.
        const images = await page.evaluate(() => [...document.images].filter((img) => img.loading !== 'lazy').map((img) => img.complete && img.naturalWidth > 0));
        assert.ok(images.every(Boolean), `${url}: images load`);
      }
      assert.ok(answers.length > 20);
      assert.deepEqual(answers.filter((answer) => !answer.startsWith('200 ')), []);
      assert.ok(answers.every((answer) => answer.includes(` ${BASE}`)), 'every request is under the prefix');
      await page.close();
    });

    test('serves hashed files immutable and pages revalidated, as the hosts will', async () => {
      const home = await fetch(origin + BASE);
      assert.equal(home.headers.get('cache-control'), 'no-cache');
      const css = /href="(\/project\/static\/[^"]+\.css)"/.exec(await home.text())![1]!;
      assert.equal((await fetch(origin + css)).headers.get('cache-control'), 'public, max-age=31536000, immutable');
      const rendition = /srcset="(\/project\/renditions\/[^" ]+)/.exec(read('team/index.html') + read('index.html'))![1]!;
      const image = await fetch(origin + rendition);
      assert.equal(image.status, 200);
      assert.equal(image.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    });

    test('answers a missing page under the prefix with the 404 page, and nothing outside it', async () => {
      const missing = await fetch(`${origin}${BASE}no-such-page/`);
      assert.equal(missing.status, 404);
      assert.match(await missing.text(), /There is no page at this address\./);
      const outside = await fetch(`${origin}/pricing/`);
      assert.equal(outside.status, 404);
      assert.match(await outside.text(), /under BASE_PATH, at \/project\//);
      const bare = await fetch(`${origin}/project`, { redirect: 'manual' });
      assert.deepEqual([bare.status, bare.headers.get('location')], [301, BASE]);
    });
  });
});

describe('BASE_PATH and the build cache', () => {
  test('a build under another BASE_PATH never reuses a page written under the old one: it writes what a build without the cache writes', async () => {
    const pagesDir = path.join(tempDir('lightweight-anywhere-cache-'), 'pages');
    cpSync(path.join(ROOT, 'pages'), pagesDir, { recursive: true });
    const out = tempDir('lightweight-anywhere-cache-out-');
    /** Build into out/<name>: every file and its bytes, and the last progress line's counts. */
    const built = async (name: string, env: Record<string, string>) => {
      const result = await build({ BUILD_DIR: path.join(out, name), PAGES_DIR: pagesDir, ...env });
      assert.equal(result.code, 0, result.stderr);
      const files = Object.fromEntries(allFiles(path.join(out, name)).sort().map((file) => [file, readFileSync(path.join(out, name, file))]));
      return { files, counts: [...result.stderr.matchAll(/\((\d+) rendered, (\d+) reused\)/g)].at(-1)?.slice(1).map(Number) };
    };
    const root = await built('root', {});
    const project = await built('project', { BASE_PATH: BASE });
    // The app renders the same HTML under any BASE_PATH (the crawl applies it), so its renders are shared; the pages written are not.
    assert.deepEqual(project.counts, [0, 18], 'pages/index.html shows the year with now(): reused while it is the same');
    assert.match(project.files['index.html']!.toString(), /href="\/project\/about\/"/);
    const cold = await built('project-cold', { BASE_PATH: BASE, BUILD_CACHE: 'off' });
    assert.deepEqual(Object.keys(project.files), Object.keys(cold.files));
    for (const file of Object.keys(cold.files)) assert.ok(project.files[file]!.equals(cold.files[file]!), file);
    const again = await built('root-again', {});
    assert.deepEqual(Object.keys(again.files), Object.keys(root.files));
    for (const file of Object.keys(root.files)) assert.ok(again.files[file]!.equals(root.files[file]!), `back at the root: ${file}`);
  });
});

describe('the GitHub Pages workflow example', () => {
  test('is a workflow that builds with BASE_PATH and deploys the build folder', () => {
    const workflow = parse(readFileSync(path.join(ROOT, 'deploy/github-pages.yml'), 'utf8'));
    const steps: Array<Record<string, unknown>> = workflow.jobs.build.steps;
    const build = steps.find((step) => step.run === 'npm run build') as { env: Record<string, string> };
    assert.equal(build.env.BASE_PATH, '/${{ github.event.repository.name }}/');
    const upload = steps.find((step) => String(step.uses).startsWith('actions/upload-pages-artifact')) as { with: { path: string } };
    assert.equal(upload.with.path, build.env.BUILD_DIR);
    assert.ok(workflow.jobs.deploy.steps.some((step: { uses?: string }) => step.uses?.startsWith('actions/deploy-pages')));
  });
});

describe('BASE_PATH the build cannot use', () => {
  test('is refused with what it should look like', async () => {
    const result = await build({ BUILD_DIR: path.join(tempDir('lightweight-anywhere-bad-'), '_build'), BASE_PATH: 'https://example.com/x/' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /BASE_PATH must be the path the site is served under, such as \/project\//);
  });
});
