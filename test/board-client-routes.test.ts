// /board/: the page with its embedded configuration, and the bundled client
// (an ES module, the Markdown renderer a chunk it imports when wanted),
// hashed and cached for good in production, rebuilt on request under dev.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApp, type Running } from './helpers.ts';

interface Assets {
  page: Response;
  html: string;
  script: string;
  stylesheet: string;
  /** What the page preloads beside its script (the chunks the script imports). */
  preloads: string[];
}

async function assetsOf(app: Running): Promise<Assets> {
  const page = await fetch(`${app.url}/board/`);
  const html = await page.text();
  const script = /<script type="module" src="assets\/([^"]+)"><\/script>/.exec(html)?.[1];
  const stylesheet = /<link rel="stylesheet" href="assets\/([^"]+)"/.exec(html)?.[1];
  assert.ok(script && stylesheet, html);
  const preloads = [...html.matchAll(/<link rel="modulepreload" href="assets\/([^"]+)">/g)].map((match) => match[1]!);
  return { page, html, script, stylesheet, preloads };
}

/** The files a script imports (statically or when wanted), by the relative specifiers esbuild writes. */
const importsOf = (code: string): string[] => [...new Set([...code.matchAll(/\bimport\s*(?:\(\s*|[^"'()]*?from\s*)"\.\/([^"]+\.js)"/g)].map((match) => match[1]!))];

/** markdown-it's own words: its rule names and its CommonMark preset's name. */
const MARKDOWN_IT = ['html_block', 'normalizeLink', 'commonmark', 'linkify'];

describe('the board page, built for production', () => {
  let app: Running;
  before(async () => {
    app = await startApp({ SERVICES: 'board' });
  });
  after(async () => {
    await app?.close();
  });

  it('embeds the API root and login URLs as JSON, as the book does', async () => {
    const { page, html } = await assetsOf(app);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const config = /<script type="application\/json" id="config">([^<]*)<\/script>/.exec(html)?.[1];
    const { markdownRenderer, ...urls } = JSON.parse(config!) as Record<string, string>;
    assert.deepEqual(urls, { apiRoot: '/api/', apiLogin: '/api/token/' });
    // And the Markdown renderer's chunk, which the client imports again by name after a failed load.
    assert.match(markdownRenderer!, /^assets\/markdown-[A-Z0-9]{8}\.js$/);
    assert.equal((await fetch(`${app.url}/board/${markdownRenderer}`)).status, 200);
  });

  it('serves the minified client under hashed names, cached for good', async () => {
    const { script, stylesheet } = await assetsOf(app);
    assert.match(script, /^board-[A-Z0-9]{8}\.js$/);
    assert.match(stylesheet, /^board-[A-Z0-9]{8}\.css$/);
    for (const [file, type] of [[script, 'text/javascript'], [stylesheet, 'text/css']] as const) {
      const response = await fetch(`${app.url}/board/assets/${file}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', new RegExp(`^${type}`));
      assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      const body = await response.text();
      assert.ok(body.length > 1000, file);
      // Minified: local names are shortened (the source's installBackboneAjax) and CSS loses its comments.
      assert.ok(!body.includes('installBackboneAjax') && !body.includes('/* The Scrum board'), `${file} is minified`);
    }
  });

  it('leaves the Markdown renderer out of the script the page loads: a chunk of its own, hashed, cached for good, precompressed', async () => {
    const { html, script, preloads } = await assetsOf(app);
    assert.equal([...html.matchAll(/<script\b/g)].length, 2, 'the configuration and the module, nothing else');
    const entry = await (await fetch(`${app.url}/board/assets/${script}`)).text();
    assert.deepEqual(MARKDOWN_IT.filter((word) => entry.includes(word)), [], 'no markdown-it code in the entry');
    // The chunks it imports before running are preloaded beside it; the renderer is imported only when wanted.
    const chunks = importsOf(entry);
    const renderer = chunks.filter((chunk) => !preloads.includes(chunk));
    assert.equal(renderer.length, 1, `${chunks.join(' ')} (preloaded: ${preloads.join(' ')})`);
    assert.match(renderer[0]!, /^markdown-[A-Z0-9]{8}\.js$/);
    assert.match(entry, new RegExp(`import\\("\\./${renderer[0]!.replace('.', '\\.')}"\\)`), 'imported dynamically');
    for (const chunk of [...preloads, ...renderer]) {
      assert.match(chunk, /^[a-z]+-[A-Z0-9]{8}\.js$/);
      const response = await fetch(`${app.url}/board/assets/${chunk}`, { headers: { 'Accept-Encoding': 'br' } });
      assert.equal(response.status, 200, chunk);
      assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(response.headers.get('content-encoding'), 'br', `${chunk} is sent precompressed`);
    }
    const code = await (await fetch(`${app.url}/board/assets/${renderer[0]}`)).text();
    assert.deepEqual(MARKDOWN_IT.filter((word) => !code.includes(word)), [], 'markdown-it is in the renderer chunk');
    assert.ok(entry.length < 200_000, `the entry is ${entry.length} bytes minified (it was 262,773 with markdown-it)`);
  });

  it('redirects /board to /board/ and answers 404 for anything else under it', async () => {
    const bare = await fetch(`${app.url}/board`, { redirect: 'manual' });
    assert.equal(bare.status, 301);
    assert.equal(new URL(bare.headers.get('location')!, app.url).pathname, '/board/');
    for (const path of ['/board/other', '/board/assets/board-AAAAAAAA.js', '/board/assets/..%2F..%2Fpackage.json']) {
      const response = await fetch(`${app.url}${path}`);
      assert.equal(response.status, 404, path);
      assert.ok(typeof ((await response.json()) as { detail?: unknown }).detail === 'string');
    }
  });
});

describe('the board page under npm run dev', () => {
  let app: Running;
  before(async () => {
    app = await startApp({ SERVICES: 'board' }, { dev: true });
  });
  after(async () => {
    await app?.close();
  });

  it('bundles on request, unhashed and with a source map, never cached', async () => {
    const { script, stylesheet } = await assetsOf(app);
    assert.deepEqual([script, stylesheet], ['board.js', 'board.css']);
    const response = await fetch(`${app.url}/board/assets/board.js`);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.match(await response.text(), /\/\/# sourceMappingURL=board\.js\.map\s*$/);
    assert.equal((await fetch(`${app.url}/board/assets/board.js.map`)).status, 200);
  });

  it('serves the renderer chunk it imports when wanted, never cached', async () => {
    await assetsOf(app);
    const entry = await (await fetch(`${app.url}/board/assets/board.js`)).text();
    const renderer = importsOf(entry).find((chunk) => chunk.startsWith('markdown-'));
    assert.ok(renderer, 'the entry imports the renderer chunk');
    const response = await fetch(`${app.url}/board/assets/${renderer}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.match(await response.text(), /html_block[\s\S]*\/\/# sourceMappingURL=markdown-[A-Z0-9]{8}\.js\.map\s*$/);
  });
});
