// The placeholder service over HTTP: headers, ETag/304/HEAD, errors, the
// home page, and the bounds (render once, cache size, render queue) seen
// through the part's own counters.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { startPart } from './fixtures/placeholder-part.ts';
import { startApp, type Running } from './helpers.ts';

const JSON_ACCEPT = { accept: 'application/json' };
const SHARP_TYPES: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', heif: 'image/avif', gif: 'image/gif', svg: 'image/svg+xml' };

let app: Running;
before(async () => {
  app = await startApp({ SERVICES: 'placeholder' });
});
after(() => app.close());

describe('headers', () => {
  test('Content-Type matches the bytes; long, public, immutable caching; CORS; a strong ETag', async () => {
    for (const ext of ['png', 'jpg', 'webp', 'avif', 'gif', 'svg']) {
      const response = await fetch(`${app.url}/image/64x48.${ext}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), SHARP_TYPES[(await sharp(bytes).metadata()).format], ext);
      assert.equal(response.headers.get('content-length'), String(bytes.length));
      assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      assert.match(response.headers.get('etag')!, /^"[A-Za-z0-9_-]{20,}"$/);
    }
  });

  test('the ETag belongs to the image: shared by its spellings, distinct per image, the same in another process', async () => {
    const etag = async (base: string, path: string) => (await fetch(base + path)).headers.get('etag');
    const square = await etag(app.url, '/image/120/');
    assert.equal(await etag(app.url, '/image/120x120.png'), square);
    assert.equal(await etag(app.url, '/image/120x120/dddddd/'), square);
    assert.notEqual(await etag(app.url, '/image/120x121/'), square);
    assert.notEqual(await etag(app.url, '/image/120/?font=serif'), square);
    assert.notEqual(await etag(app.url, '/image/120.webp'), square);
    const other = await startApp({ SERVICES: 'placeholder' });
    try {
      assert.equal(await etag(other.url, '/image/120/'), square);
    } finally {
      await other.close();
    }
  });

  test('If-None-Match answers 304 without a body; other tags get the image', async () => {
    const url = `${app.url}/image/200x100/`;
    const etag = (await fetch(url)).headers.get('etag')!;
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await fetch(url, { headers: { 'if-none-match': header } });
      assert.equal(response.status, 304, header);
      assert.equal((await response.arrayBuffer()).byteLength, 0);
      assert.equal(response.headers.get('etag'), etag);
      assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    }
    const stale = await fetch(url, { headers: { 'if-none-match': '"stale"' } });
    assert.equal(stale.status, 200);
    assert.ok((await stale.arrayBuffer()).byteLength > 0);
  });

  test('HEAD has the headers of GET and no body', async () => {
    const url = `${app.url}/image/321x123.webp`;
    const get = await fetch(url);
    const length = (await get.arrayBuffer()).byteLength;
    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    for (const name of ['content-type', 'etag', 'cache-control', 'access-control-allow-origin']) assert.equal(head.headers.get(name), get.headers.get(name), name);
    assert.equal(head.headers.get('content-length'), String(length));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });
});

/** One request on a connection of its own, and the response exactly as it came over the wire. */
function rawRequest(port: number, target: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const lines = [`${method} ${target} HTTP/1.1`, ...Object.entries({ Host: `127.0.0.1:${port}`, Connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}`)];
    socket.on('connect', () => socket.write(`${lines.join('\r\n')}\r\n\r\n`));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

/** A raw response with its Date header (the only part that may differ between two answers) blanked. */
const withoutDate = (raw: Buffer) => raw.toString('latin1').replace(/\r\nDate: [^\r]*/, '\r\nDate: -');

describe('cached images answered below Hono', () => {
  test('a cached image and a 304 are, byte for byte, what Hono answered the first time; the log says the same', async () => {
    const cases: Array<{ target: string; headers?: Record<string, string> }> = [{ target: '/image/301x201/' }, { target: '/image/302x202.webp?bg=eee&text=Hi' }];
    const etag = (await fetch(`${app.url}/image/303x203/`)).headers.get('etag')!;
    // A spelling not seen before: its first 304 comes from Hono, the next from the map.
    cases.push({ target: '/image/303x203.png', headers: { 'If-None-Match': etag } });
    for (const { target, headers } of cases) {
      const logged = app.logs.length;
      const first = await rawRequest(app.port, target, headers);
      const again = await rawRequest(app.port, target, headers);
      assert.equal(withoutDate(again), withoutDate(first), target);
      assert.match(first.toString('latin1'), headers ? /^HTTP\/1\.1 304 / : /^HTTP\/1\.1 200 /);
      const path = target.split('?')[0]!;
      const lines = app.logs.slice(logged);
      assert.equal(lines.length, 2, lines.join('\n'));
      for (const line of lines) assert.match(line, new RegExp(`^GET ${path.replaceAll('.', '\\.')} ${headers ? 304 : 200} \\d+\\.\\dms$`));
    }
  });

  test('the Host check, HEAD and other tags still apply to a cached image', async () => {
    const target = '/image/304x204/';
    const ok = await rawRequest(app.port, target);
    assert.match(ok.toString('latin1'), /^HTTP\/1\.1 200 /);
    const forged = await rawRequest(app.port, target, { Host: 'evil.example' });
    assert.match(forged.toString('latin1'), /^HTTP\/1\.1 400 /);
    assert.match(forged.toString('latin1'), /Invalid Host header/);
    const head = (await rawRequest(app.port, target, {}, 'HEAD')).toString('latin1');
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.match(head, /\r\n\r\n$/, 'no body');
    const stale = await rawRequest(app.port, target, { 'If-None-Match': '"stale"' });
    assert.equal(withoutDate(stale), withoutDate(ok));
  });
});

describe('errors', () => {
  const cases: Array<[string, string]> = [
    ['/image/0/', 'from 1 to 2000'],
    ['/image/2001x100/', 'from 1 to 2000'],
    ['/image/12ax200/', 'from 1 to 2000 (got "12a")'],
    ['/image/-5/', 'from 1 to 2000 (got "-5")'],
    ['/image/300x200@5x/', '@1x, @2x, @3x'],
    ['/image/1500x10@3x/', '4000 pixels'],
    ['/image/300x200.tiff', 'format must be one of'],
    ['/image/300x200/zzz/', 'bg must be'],
    ['/image/300x200/?fg=nope', 'fg must be'],
    [`/image/300x200/?text=${'x'.repeat(300)}`, 'text must be at most 256 characters (got 300)'],
    ['/image/300x200/?font=papyrus', 'font must be one of sans, serif, mono'],
    ['/image/300x200/?size=3', 'Unknown parameter "size"'],
  ];

  test('each kind of bad input is a 400 whose JSON detail names the parameter and its limits', async () => {
    for (const [path, expected] of cases) {
      const response = await fetch(app.url + path, { headers: JSON_ACCEPT });
      assert.equal(response.status, 400, path);
      assert.match(response.headers.get('content-type')!, /application\/json/);
      const { detail } = (await response.json()) as { detail: string };
      assert.ok(detail.includes(expected), `${path}: ${detail}`);
      assert.equal(response.headers.get('cache-control'), 'public, max-age=60', path);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      assert.equal(response.headers.get('vary'), 'Accept');
    }
  });

  test('browsers get the same message as a page', async () => {
    const response = await fetch(`${app.url}/image/300x200/?bg=%3Cscript%3E`, { headers: { accept: 'text/html,*/*' } });
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /bg must be a hex colour/);
    assert.match(html, /&lt;script&gt;/);
    assert.doesNotMatch(html, /<script>/);
  });

  test('odd URLs are client errors, never server errors', async () => {
    const odd = [
      '/image/%',
      '/image/%E0%A4%A/',
      '/image/..%2F..%2Fetc%2Fpasswd',
      '/image/300x200/?text=%FF%FE',
      '/image/300x200/?bg',
      '/image/300x200//',
      `/image/${'9'.repeat(5000)}/`,
      '/image/300x200@99999999999x/',
      '/image/300x200/%00/',
      '/image/300x200.png.png',
      '/image/x/',
      '/image/@2x/',
      `/image/300x200/?text=${encodeURIComponent('😀'.repeat(256))}`,
    ];
    for (const path of odd) {
      const response = await fetch(app.url + path, { headers: JSON_ACCEPT });
      assert.ok(response.status < 500, `${path}: ${response.status}`);
      await response.arrayBuffer();
    }
  });
});

describe('home page', () => {
  test('/image redirects to /image/', async () => {
    const response = await fetch(`${app.url}/image`, { redirect: 'manual' });
    assert.equal(response.status, 301);
    assert.equal(response.headers.get('location'), '/image/');
  });

  test('explains the grammar with live examples whose absolute URLs come from the request', async () => {
    // fetch() may not set Host, so ask as a visitor who typed localhost would.
    const { status, contentType, html } = await new Promise<{ status: number; contentType: string; html: string }>((resolve, reject) => {
      get(`${app.url}/image/`, { headers: { host: `localhost:${app.port}` } }, (response) => {
        let html = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (html += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, contentType: response.headers['content-type']!, html }));
      }).on('error', reject);
    });
    assert.equal(status, 200);
    assert.match(contentType, /text\/html/);
    assert.match(html, /href="\/static\/css\/placeholder\.css"/);
    for (const name of ['sans', 'serif', 'mono', 'Inter', 'Source Serif 4', 'JetBrains Mono']) assert.ok(html.includes(name), name);
    const images = [...html.matchAll(/<img[^>]+src="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    assert.ok(images.length >= 8);
    for (const src of images) {
      assert.ok(src.startsWith(`http://localhost:${app.port}/image/`), src);
      const image = await fetch(src.replace('localhost', '127.0.0.1'));
      assert.equal(image.status, 200, src);
      assert.match(image.headers.get('content-type')!, /^image\//);
      await image.arrayBuffer();
    }
    const css = await fetch(`${app.url}/static/css/placeholder.css`);
    assert.equal(css.status, 200);
  });
});

describe('bounds', () => {
  test('identical concurrent requests render once', async () => {
    const server = await startPart();
    try {
      const responses = await Promise.all(Array.from({ length: 12 }, () => fetch(`${server.url}/image/1600x1200/`)));
      const bodies = await Promise.all(responses.map(async (r) => Buffer.from(await r.arrayBuffer()).toString('base64')));
      assert.ok(responses.every((r) => r.status === 200));
      assert.equal(new Set(bodies).size, 1);
      assert.equal(server.part.stats().renders, 1);
    } finally {
      await server.close();
    }
  });

  test('a 304 needs no rendering, even in a process that never drew the image', async () => {
    const etag = (await fetch(`${app.url}/image/777x333.avif`)).headers.get('etag')!;
    const server = await startPart();
    try {
      const response = await fetch(`${server.url}/image/777x333.avif`, { headers: { 'if-none-match': etag } });
      assert.equal(response.status, 304);
      assert.equal(server.part.stats().renders, 0);
    } finally {
      await server.close();
    }
  });

  test('the image cache stays within PLACEHOLDER_CACHE_MB, dropping the least recently used', async () => {
    const server = await startPart({ PLACEHOLDER_CACHE_MB: '1' });
    try {
      let total = 0;
      for (let i = 0; i < 40; i++) {
        const response = await fetch(`${server.url}/image/2000x${1000 + i}/?text=${'Wide%20text%20'.repeat(8)}${i}`);
        total += (await response.arrayBuffer()).byteLength;
        assert.ok(server.part.stats().cachedBytes <= 1024 * 1024);
      }
      assert.ok(total > 1024 * 1024, `the test needs more than 1 MB of images (got ${total})`);
      const { renders, cachedImages } = server.part.stats();
      assert.ok(cachedImages < 40);
      await (await fetch(`${server.url}/image/2000x1039/?text=${'Wide%20text%20'.repeat(8)}39`)).arrayBuffer();
      assert.equal(server.part.stats().renders, renders, 'the most recent image is still cached');
      await (await fetch(`${server.url}/image/2000x1000/?text=${'Wide%20text%20'.repeat(8)}0`)).arrayBuffer();
      assert.equal(server.part.stats().renders, renders + 1, 'the oldest was dropped');
    } finally {
      await server.close();
    }
  });

  test('a flood of distinct large images is bounded: one render at a time, a bounded queue, 503s beyond, other requests served', async () => {
    const server = await startPart({ PLACEHOLDER_CONCURRENCY: '1', PLACEHOLDER_CACHE_MB: '2' });
    try {
      await (await fetch(`${server.url}/image/100x100/`)).arrayBuffer();
      const rssBefore = process.memoryUsage().rss;
      let peak = { rendering: 0, waiting: 0 };
      let floodDone = false;
      const flood = Promise.all(
        Array.from({ length: 80 }, async (_, i) => {
          const response = await fetch(`${server.url}/image/2000x${1900 + i}@2x/`, { headers: JSON_ACCEPT });
          const { rendering, waiting } = server.part.stats();
          peak = { rendering: Math.max(peak.rendering, rendering), waiting: Math.max(peak.waiting, waiting) };
          const body = Buffer.from(await response.arrayBuffer());
          return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
        }),
      ).finally(() => {
        floodDone = true;
      });
      // A cached image is answered while the flood is still being drawn.
      const cached = await fetch(`${server.url}/image/100x100/`);
      assert.equal(cached.status, 200);
      assert.equal(floodDone, false, 'the cached image waited for the flood');
      const results = await flood;

      const refused = results.filter((r) => r.status === 503);
      const served = results.filter((r) => r.status === 200);
      assert.equal(refused.length + served.length, 80);
      assert.ok(refused.length > 0, 'some requests are turned away');
      assert.ok(served.length >= 33, `the running render and the queue are served (got ${served.length})`);
      for (const r of refused) {
        assert.equal(r.retryAfter, '1');
        assert.match(JSON.parse(r.body.toString()).detail, /try again/);
      }
      for (const r of served.slice(0, 3)) assert.equal((await sharp(r.body).metadata()).width, 4000);
      assert.ok(peak.rendering <= 1 && peak.waiting <= 32, JSON.stringify(peak));
      const stats = server.part.stats();
      assert.equal(stats.refused, refused.length);
      assert.ok(stats.cachedBytes <= 2 * 1024 * 1024);
      assert.ok(process.memoryUsage().rss - rssBefore < 300 * 1024 * 1024, 'memory stays bounded');
    } finally {
      await server.close();
    }
  });
});
