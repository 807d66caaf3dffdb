// /board/: the page with its embedded configuration, and the bundled client,
// hashed and cached for good in production, rebuilt on request under dev.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApp, type Running } from './helpers.ts';

async function assetsOf(app: Running): Promise<{ page: Response; html: string; script: string; stylesheet: string }> {
  const page = await fetch(`${app.url}/board/`);
  const html = await page.text();
  const script = /<script src="assets\/([^"]+)"/.exec(html)?.[1];
  const stylesheet = /<link rel="stylesheet" href="assets\/([^"]+)"/.exec(html)?.[1];
  assert.ok(script && stylesheet, html);
  return { page, html, script, stylesheet };
}

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
    assert.deepEqual(JSON.parse(config!), { apiRoot: '/api/', apiLogin: '/api/token/' });
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
});
