// Content coding and long caching, over real HTTP: brotli or gzip by
// Accept-Encoding, decoded and compared byte for byte with the identity body;
// Vary wherever the body depends on it; nothing compressed for images, 304s,
// HEAD or small bodies; precompressed files compressed once per version;
// vendor files under a versioned URL cached for good, designers' files
// revalidated.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { precompressed, preferredEncoding } from '../src/compression.ts';
import { ROOT } from '../src/settings.ts';
import { VENDORS } from '../src/static.ts';
import { staticUrl } from '../src/templates/helpers.ts';
import { startApp, tempDir, type Running } from './helpers.ts';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bytes on the wire, not decoded (fetch would decode them). */
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const decode = (raw: Raw): Buffer => {
  const encoding = raw.headers['content-encoding'];
  if (encoding === 'br') return zlib.brotliDecompressSync(raw.body);
  if (encoding === 'gzip') return zlib.gunzipSync(raw.body);
  assert.equal(encoding, undefined, `unknown coding ${String(encoding)}`);
  return raw.body;
};

const varies = (raw: Raw): boolean =>
  String(raw.headers.vary ?? '')
    .toLowerCase()
    .split(',')
    .some((v) => v.trim() === 'accept-encoding');

const BASIC = `Basic ${Buffer.from('demo:test').toString('base64')}`;
const BOOTSTRAP_CSS = staticUrl('vendor/bootstrap/css/bootstrap.min.css');

describe('Accept-Encoding negotiation', () => {
  it('prefers brotli, then gzip, honours q=0 and *, and falls back to identity', () => {
    assert.equal(preferredEncoding('gzip, deflate, br'), 'br');
    assert.equal(preferredEncoding('gzip, deflate, br, zstd'), 'br');
    assert.equal(preferredEncoding('gzip'), 'gzip');
    assert.equal(preferredEncoding('br;q=0, gzip;q=0.5'), 'gzip');
    assert.equal(preferredEncoding('BR;Q=0, GZIP'), 'gzip');
    assert.equal(preferredEncoding('*'), 'br');
    assert.equal(preferredEncoding('*;q=0'), null);
    assert.equal(preferredEncoding('identity'), null);
    assert.equal(preferredEncoding('deflate'), null);
    assert.equal(preferredEncoding(''), null);
    assert.equal(preferredEncoding(undefined), null);
  });
});

describe('compression over HTTP', () => {
  let app: Running;
  let staticDir: string;
  let boardScript: string;
  before(async () => {
    staticDir = tempDir();
    mkdirSync(path.join(staticDir, 'css'));
    mkdirSync(path.join(staticDir, 'img'));
    app = await startApp({ STATIC_DIR: staticDir });
    const board = (await get(`${app.url}/board/`)).body.toString();
    boardScript = `/board/${/<script type="module" src="(assets\/[^"]+)"/.exec(board)![1]}`;
  });
  after(async () => {
    await app?.close();
  });

  /** Text responses of every kind: precompressed files (vendor, board bundle) and dynamic HTML and JSON. */
  const texts = (): Array<[string, Record<string, string>]> => [
    [BOOTSTRAP_CSS, {}],
    [staticUrl('vendor/bootstrap/js/bootstrap.bundle.min.js'), {}],
    [boardScript, {}],
    ['/image/', { Accept: 'text/html' }],
    ['/api/tasks/?format=api', { Authorization: BASIC }],
    ['/api/schema/', { Authorization: BASIC, Accept: 'application/json' }],
    ['/login/', {}], // a page without random lorem text, so two requests give the same bytes
  ];

  it('sends each text response in brotli and gzip that decode to the identity bytes, with Vary', async () => {
    for (const [url, headers] of texts()) {
      const identity = await get(app.url + url, { ...headers, 'Accept-Encoding': 'identity' });
      assert.equal(identity.status, 200, url);
      assert.ok(identity.body.byteLength > 1024, `${url} is over 1 KiB`);
      assert.equal(identity.headers['content-encoding'], undefined, url);
      assert.ok(varies(identity), `${url} sent as it is still says it varies`);
      const bare = await get(app.url + url, headers);
      assert.equal(bare.headers['content-encoding'], undefined, url);
      assert.ok(bare.body.equals(identity.body), `${url}: no Accept-Encoding, the same bytes`);
      for (const encoding of ['br', 'gzip']) {
        const coded = await get(app.url + url, { ...headers, 'Accept-Encoding': encoding === 'br' ? 'gzip, deflate, br' : 'gzip, deflate' });
        assert.equal(coded.status, 200, url);
        assert.equal(coded.headers['content-encoding'], encoding, url);
        assert.ok(varies(coded), `${url} ${encoding} has Vary: Accept-Encoding`);
        assert.equal(Number(coded.headers['content-length']), coded.body.byteLength, `${url} ${encoding} length`);
        assert.ok(coded.body.byteLength < identity.body.byteLength / 2, `${url} ${encoding}: ${coded.body.byteLength} of ${identity.body.byteLength}`);
        assert.ok(decode(coded).equals(identity.body), `${url} ${encoding} decodes to the identity body`);
      }
    }
  });

  it('gives a client sending no Accept-Encoding the bytes of the file itself', async () => {
    const raw = await get(app.url + BOOTSTRAP_CSS);
    assert.ok(raw.body.equals(readFileSync(path.join(ROOT, 'node_modules/bootstrap/dist/css/bootstrap.min.css'))));
    assert.equal(Number(raw.headers['content-length']), raw.body.byteLength);
  });

  it('leaves dynamic responses to a client sending no Accept-Encoding untouched, headers and all', async () => {
    const raw = await get(`${app.url}/api/schema/`, { Authorization: BASIC, Accept: 'application/json' });
    assert.equal(raw.headers.vary, 'Accept, Authorization');
    assert.equal(raw.headers['content-encoding'], undefined);
    assert.ok(varies(await get(app.url + BOOTSTRAP_CSS)), 'a static file, whose coding is chosen by its own route, still says it varies');
  });

  it('keeps the API ETag as it is, so If-Match from a compressed response still matches', async () => {
    const plain = await get(`${app.url}/api/users/demo/`, { Authorization: BASIC, Accept: 'application/json' });
    const coded = await get(`${app.url}/api/users/demo/`, { Authorization: BASIC, Accept: 'application/json', 'Accept-Encoding': 'br' });
    assert.equal(coded.headers.etag, plain.headers.etag);
  });

  it('never compresses images, small bodies, HEAD or 304', async () => {
    const br = { 'Accept-Encoding': 'gzip, deflate, br' };
    const png = await get(`${app.url}/image/600x400.png`, br);
    assert.equal(png.status, 200);
    assert.equal(png.headers['content-encoding'], undefined);
    assert.ok(!varies(png), 'an image does not vary by Accept-Encoding');
    const svg = await get(`${app.url}/image/600x400.svg?text=${'long text '.repeat(20)}`, br);
    assert.ok(svg.body.byteLength > 1024);
    assert.equal(svg.headers['content-encoding'], undefined, 'placeholder SVGs are images too');

    writeFileSync(path.join(staticDir, 'img', 'photo.png'), Buffer.alloc(4096, 7));
    const photo = await get(`${app.url}/static/img/photo.png`, br);
    assert.equal(photo.headers['content-encoding'], undefined);
    assert.equal(photo.body.byteLength, 4096);

    writeFileSync(path.join(staticDir, 'css', 'small.css'), 'body { color: #222; }\n');
    const small = await get(`${app.url}/static/css/small.css`, br);
    assert.equal(small.headers['content-encoding'], undefined);
    const root = await get(`${app.url}/api/`, { ...br, Accept: 'application/json' });
    assert.ok(root.body.byteLength <= 1024);
    assert.equal(root.headers['content-encoding'], undefined, 'API root JSON is under 1 KiB');
    assert.ok(!varies(root), 'a body too small to compress does not vary');

    for (const url of [BOOTSTRAP_CSS, '/image/']) {
      const head = await get(app.url + url, { ...br, Accept: 'text/html' }, 'HEAD');
      assert.equal(head.status, 200, url);
      assert.equal(head.headers['content-encoding'], undefined, `HEAD ${url}`);
      assert.equal(head.body.byteLength, 0);
    }

    const first = await get(app.url + BOOTSTRAP_CSS, br);
    const etag = String(first.headers.etag);
    const revalidated = await get(app.url + BOOTSTRAP_CSS, { ...br, 'If-None-Match': etag });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.headers['content-encoding'], undefined);
    assert.equal(revalidated.body.byteLength, 0);
    assert.ok(varies(revalidated));
    // Each coding is its own representation, with its own ETag.
    const gzip = await get(app.url + BOOTSTRAP_CSS, { 'Accept-Encoding': 'gzip', 'If-None-Match': etag });
    assert.equal(gzip.status, 200);
    assert.notEqual(gzip.headers.etag, etag);
  });

  it('compresses a static file once per version and coding, however often it is asked for', async () => {
    const file = path.join(staticDir, 'css', 'designed.css');
    const css = (colour: string) => `/* ${Math.random()} */\n` + Array.from({ length: 200 }, (_, i) => `.rule-${i} { color: ${colour}; margin: ${i}px; }`).join('\n');
    writeFileSync(file, css('#123456'));
    const url = `${app.url}/static/css/designed.css`;
    const before = precompressed.compressions;
    const bodies = await Promise.all(Array.from({ length: 5 }, () => get(url, { 'Accept-Encoding': 'br' })));
    for (let i = 0; i < 3; i++) await get(url, { 'Accept-Encoding': 'br' });
    assert.equal(precompressed.compressions - before, 1, 'eight brotli requests, five at once: one compression');
    for (const raw of bodies) assert.equal(decode(raw).toString(), readFileSync(file, 'utf8'));
    // Once done, what is sent is brotli's best.
    await precompressed.settled();
    const best = zlib.brotliCompressSync(readFileSync(file), {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: readFileSync(file).byteLength },
    });
    assert.ok((await get(url, { 'Accept-Encoding': 'br' })).body.equals(best), 'quality 11');
    for (let i = 0; i < 3; i++) await get(url, { 'Accept-Encoding': 'gzip' });
    assert.equal(precompressed.compressions - before, 2, 'gzip once more');

    // An edit (new size and time, so a new ETag) is compressed again, once.
    writeFileSync(file, css('#abcdef') + '\n.new {}');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const edited = await get(url, { 'Accept-Encoding': 'br' });
    await get(url, { 'Accept-Encoding': 'br' });
    assert.equal(precompressed.compressions - before, 3);
    assert.match(decode(edited).toString(), /#abcdef/);
  });

  it('compresses the board bundle once, however many apps and requests ask for it', async () => {
    await get(app.url + boardScript, { 'Accept-Encoding': 'br' }); // compressed on a first request, by this or an earlier test
    const before = precompressed.compressions;
    for (let i = 0; i < 4; i++) assert.equal((await get(app.url + boardScript, { 'Accept-Encoding': 'br' })).headers['content-encoding'], 'br');
    assert.equal(precompressed.compressions, before);
  });
});

describe('long caching of static files', () => {
  let app: Running;
  let staticDir: string;
  before(async () => {
    staticDir = tempDir();
    writeFileSync(path.join(staticDir, 'site.css'), 'body { margin: 0 }\n');
    app = await startApp({ STATIC_DIR: staticDir, DEBUG: 'off', SECRET_KEY: 'x'.repeat(40), SERVICES: 'pages' });
  });
  after(async () => {
    await app?.close();
  });

  it("hands out vendor files under their package's version, cached for a year", async () => {
    const version = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/bootstrap/package.json'), 'utf8')).version;
    assert.equal(VENDORS.bootstrap!.version, version);
    assert.equal(BOOTSTRAP_CSS, `/static/vendor/bootstrap/${version}/css/bootstrap.min.css`);
    assert.equal(staticUrl('css/site.css'), '/static/css/site.css');
    const raw = await get(app.url + BOOTSTRAP_CSS);
    assert.equal(raw.status, 200);
    assert.equal(raw.headers['cache-control'], 'public, max-age=31536000, immutable');
    const other = await get(`${app.url}/static/vendor/bootstrap/1.0.0/css/bootstrap.min.css`);
    assert.equal(other.status, 404, 'a version that is not installed is not served');
  });

  it("revalidates a designer's files and the unversioned vendor URL", async () => {
    for (const url of ['/static/site.css', '/static/vendor/bootstrap/css/bootstrap.min.css']) {
      const raw = await get(app.url + url);
      assert.equal(raw.status, 200, url);
      assert.doesNotMatch(String(raw.headers['cache-control']), /immutable/, url);
      const again = await get(app.url + url, { 'If-None-Match': String(raw.headers.etag) });
      assert.equal(again.status, 304, url);
    }
  });
});
