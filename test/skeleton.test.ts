// The skeleton every part stands on: settings, security headers, allowed
// hosts, error negotiation, request log, start-up and graceful shutdown.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { errorHandler, isAllowedHost } from '../src/http.ts';
import { loadSettings, ROOT, SettingsError, VARIABLES } from '../src/settings.ts';
import { startApp, tempDir, type Running } from './helpers.ts';

describe('settings', () => {
  it('has the documented defaults', () => {
    const s = loadSettings({});
    assert.equal(s.port, 8000);
    assert.equal(s.host, '127.0.0.1');
    assert.equal(s.debug, true);
    assert.deepEqual(s.allowedHosts, ['localhost', '127.0.0.1']);
    assert.deepEqual([...s.services], ['placeholder', 'pages', 'board']);
    assert.equal(s.placeholderCacheMb, 64);
    assert.match(s.secretKey, /^[0-9a-f]{64}$/);
    assert.notEqual(loadSettings({}).secretKey, s.secretKey, 'a fresh random key per process');
  });

  it('refuses to run without SECRET_KEY when DEBUG is off', () => {
    assert.throws(() => loadSettings({ DEBUG: 'off' }), (err: Error) => err instanceof SettingsError && /SECRET_KEY is required/.test(err.message));
    assert.equal(loadSettings({ DEBUG: 'off', SECRET_KEY: 'x'.repeat(40) }).debug, false);
  });

  for (const [name, value, pattern] of [
    ['PORT', 'eighty', /PORT must be a whole number/],
    ['PORT', '70000', /PORT must be a whole number from 0 to 65535/],
    ['DEBUG', 'maybe', /DEBUG must be "on" or "off"/],
    ['SERVICES', 'placeholder,blog', /SERVICES has unknown part\(s\): blog/],
    ['PLACEHOLDER_CACHE_MB', '-1', /PLACEHOLDER_CACHE_MB must be a whole number/],
    ['CSRF_TRUSTED_ORIGINS', 'admin.example.com', /CSRF_TRUSTED_ORIGINS takes origins such as https:\/\/admin\.example\.com .*\(got "admin\.example\.com"\)/],
    ['CSRF_TRUSTED_ORIGINS', 'https://example.com/path', /CSRF_TRUSTED_ORIGINS takes origins/],
    ['IMAGE_MEMORY_MB', '10', /IMAGE_MEMORY_MB must be a whole number from 64/],
  ] as const) {
    it(`names ${name} when its value "${value}" is bad`, () => {
      assert.throws(() => loadSettings({ [name]: value }), pattern);
    });
  }

  it('matches hosts as Django does', () => {
    assert.ok(isAllowedHost('localhost:8000', ['localhost']));
    assert.ok(isAllowedHost('LOCALHOST', ['localhost']));
    assert.ok(isAllowedHost('a.example.com', ['.example.com']));
    assert.ok(isAllowedHost('example.com', ['.example.com']));
    assert.ok(isAllowedHost('[::1]:8000', ['[::1]']));
    assert.ok(isAllowedHost('anything.org', ['*']));
    assert.ok(!isAllowedHost('evilexample.com', ['.example.com']));
    assert.ok(!isAllowedHost('evil.com', ['localhost']));
    assert.ok(!isAllowedHost('', ['*']));
    assert.ok(!isAllowedHost('bad host', ['*']));
  });
});

describe('every response', () => {
  let app: Running;
  before(async () => {
    const staticDir = tempDir();
    mkdirSync(path.join(staticDir, 'css'));
    writeFileSync(path.join(staticDir, 'css', 'x.css'), 'body{}');
    // Over 1 KiB, so that it is sent precompressed to clients accepting br or gzip.
    writeFileSync(path.join(staticDir, 'demo.html'), `<!doctype html><title>Demo</title><script>document.title = 'ran'</script><p>${'padding '.repeat(300)}</p>`);
    app = await startApp({ SERVICES: 'placeholder', STATIC_DIR: staticDir });
  });
  after(() => app.close());

  it('carries the security headers, on success and on error', async () => {
    for (const url of ['/static/css/x.css', '/no/such/thing/']) {
      const res = await fetch(app.url + url);
      await res.arrayBuffer();
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', url);
      assert.equal(res.headers.get('referrer-policy'), 'same-origin', url);
    }
  });

  it('refuses a Host that is not allowed with 400', async () => {
    // fetch() will not send a Host of our choosing; node:http will.
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get(app.url + '/static/css/x.css', { headers: { host: 'evil.example', accept: 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
    });
    assert.equal(status, 400);
    assert.match((JSON.parse(body) as { detail: string }).detail, /Invalid Host header "evil.example"/);
  });

  it('sends Cross-Origin-Resource-Policy by path, a policy on HTML only, and HSTS only for HTTPS through a trusted proxy', async () => {
    const https = { 'X-Forwarded-Proto': 'https' };
    for (const [url, corp] of [['/image/', 'cross-origin'], ['/image/12x12/', 'cross-origin'], ['/image/12x12/', 'cross-origin'], ['/static/css/x.css', 'same-origin'], ['/no/such/thing/', 'same-origin']] as const) {
      const res = await fetch(app.url + url, { headers: { ...https, Accept: 'text/html' } });
      await res.arrayBuffer();
      assert.equal(res.headers.get('cross-origin-resource-policy'), corp, url);
      assert.equal(res.headers.get('strict-transport-security'), null, `${url}: X-Forwarded-Proto is not trusted without TRUST_PROXY`);
      assert.equal(res.headers.has('content-security-policy'), /text\/html/.test(res.headers.get('content-type') ?? ''), url);
    }
    const proxied = await startApp({ SERVICES: 'placeholder', TRUST_PROXY: 'on' });
    try {
      // The second request for the image is answered below Hono, from the cache: the same headers.
      for (const url of ['/image/', '/image/13x13/', '/image/13x13/']) {
        const secure = await fetch(proxied.url + url, { headers: https });
        await secure.arrayBuffer();
        assert.equal(secure.headers.get('strict-transport-security'), 'max-age=63072000', url);
        const plain = await fetch(proxied.url + url, { headers: { 'X-Forwarded-Proto': 'http' } });
        await plain.arrayBuffer();
        assert.equal(plain.headers.get('strict-transport-security'), null, url);
      }
    } finally {
      await proxied.close();
    }
  });

  it('gives an HTML file under static/ its policy, precompressed or not', async () => {
    for (const encoding of ['identity', 'br', 'gzip']) {
      const res = await fetch(app.url + '/static/demo.html', { headers: { 'Accept-Encoding': encoding } });
      assert.match(await res.text(), /document\.title = 'ran'/, encoding);
      assert.equal(res.headers.get('content-encoding'), encoding === 'identity' ? null : encoding);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self' 'sha256-[^']+'; /, encoding);
    }
  });

  it('takes the host of an absolute-form request target as the Host, and refuses it unless allowed', async () => {
    const get = (target: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const { hostname, port } = new URL(app.url);
        const req = http.get({ hostname, port, path: target, headers: { accept: 'application/json' } }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
      });
    for (const target of ['http://evil.example/api/', 'http://evil.example/image/10x10/', 'http://evil.example/static/css/x.css', 'https://evil.example:8443/']) {
      const { status, body } = await get(target);
      assert.equal(status, 400, target);
      assert.match((JSON.parse(body) as { detail: string }).detail, /Invalid Host header "evil\.example(:8443)?"/, target);
    }
    const allowed = await get(`http://localhost:${new URL(app.url).port}/image/`);
    assert.equal(allowed.status, 200);
    assert.ok(allowed.body.includes(`http://localhost:${new URL(app.url).port}/image/`), 'links are built from the allowed authority');
    assert.ok(!allowed.body.includes('evil.example'));
  });

  it('answers errors as HTML to browsers and JSON to clients', async () => {
    const html = await fetch(app.url + '/nothing/here/', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    assert.equal(html.status, 404);
    assert.match(html.headers.get('content-type')!, /text\/html/);
    assert.match(await html.text(), /<h1>404 Not Found<\/h1>/);
    const json = await fetch(app.url + '/nothing/here/', { headers: { accept: 'application/json' } });
    assert.equal(json.status, 404);
    assert.deepEqual(await json.json(), { detail: 'Nothing is served at /nothing/here/.' });
  });

  it('logs one line per request: method, path, status, time', async () => {
    await (await fetch(app.url + '/static/css/x.css')).arrayBuffer();
    assert.ok(app.logs.some((line) => /^GET \/static\/css\/x\.css 200 \d+\.\dms$/.test(line)), app.logs.join('\n'));
  });

  it('serves static files with ETag and 304, and never a listing or a dotfile', async () => {
    const first = await fetch(app.url + '/static/css/x.css');
    assert.equal(first.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal(await first.text(), 'body{}');
    const etag = first.headers.get('etag')!;
    const again = await fetch(app.url + '/static/css/x.css', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    for (const url of ['/static/', '/static/css/', '/static/css/%2e%2e/%2e%2e/package.json', '/static/..%2f..%2fpackage.json', '/static/.env']) {
      const res = await fetch(app.url + url);
      await res.arrayBuffer();
      assert.equal(res.status, 404, url);
    }
  });
});

describe('the icon', () => {
  let app: Running;
  before(async () => {
    app = await startApp({ SERVICES: 'placeholder' });
  });
  after(() => app.close());

  it('is the starter logo: in the page of an error page, which links no file of the static folder, and behind /favicon.ico', async () => {
    const page = await (await fetch(app.url + '/nothing/here/', { headers: { accept: 'text/html' } })).text();
    const href = /<link rel="icon" href="([^"]+)" type="image\/svg\+xml">/.exec(page)?.[1];
    assert.ok(href?.startsWith('data:image/svg+xml,'), `the 404 page carries its icon: ${href}`);
    const logo = readFileSync(path.join(ROOT, 'static/img/logo.svg'), 'utf8');
    assert.equal(decodeURIComponent(href!.slice('data:image/svg+xml,'.length)), logo.replace(/>\s+</g, '><').trim());
    const redirect = await fetch(app.url + '/favicon.ico', { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    const icon = await fetch(app.url + redirect.headers.get('location')!);
    assert.equal(icon.status, 200);
    assert.match(icon.headers.get('content-type')!, /^image\/svg\+xml/);
    assert.deepEqual(Buffer.from(await icon.arrayBuffer()), Buffer.from(logo));
  });
});

describe('500 errors', () => {
  const failing = (debug: boolean) => {
    const app = new Hono();
    app.onError(errorHandler({ debug }, () => {}));
    app.get('/', () => {
      throw new Error('kaboom in handler');
    });
    return app;
  };

  it('show the error and stack with DEBUG on', async () => {
    const res = await failing(true).request('/', { headers: { accept: 'text/html' } });
    assert.equal(res.status, 500);
    const body = await res.text();
    assert.match(body, /kaboom in handler/);
    assert.match(body, /at .*skeleton\.test\.ts/);
  });

  it('never show them with DEBUG off', async () => {
    for (const accept of ['text/html', 'application/json']) {
      const res = await failing(false).request('/', { headers: { accept } });
      assert.equal(res.status, 500);
      const body = await res.text();
      assert.doesNotMatch(body, /kaboom|skeleton\.test/);
      assert.match(body, /Something went wrong on our side/);
    }
  });
});

describe('the process', () => {
  const run = (env: Record<string, string>) =>
    spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'app.ts')], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_PATH: path.join(tempDir(), 'db.sqlite3'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const output = (child: ReturnType<typeof run>) => {
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d));
    child.stderr.on('data', (d: Buffer) => (text += d));
    return () => text;
  };

  it('refuses to start with a bad setting, naming the variable', async () => {
    const child = run({ DEBUG: 'off', SECRET_KEY: '' });
    const text = output(child);
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 2);
    assert.match(text(), /Configuration error: SECRET_KEY is required when DEBUG is off/);
  });

  it('refuses to start when the board database cannot be reached, saying what to check', async () => {
    const child = run({ DATABASE_URL: 'postgres://board:secret@127.0.0.1:1/board' });
    const text = output(child);
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 1);
    assert.match(text(), /^Cannot start: Cannot reach PostgreSQL at 127\.0\.0\.1:1\/board \(.+\)\. Check DATABASE_URL and that the server is running\.\n$/);
    assert.doesNotMatch(text(), /secret/);
  });

  const listeningPort = (text: () => string, child: ReturnType<typeof run>) =>
    new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /serving .* at http:\/\/localhost:(\d+)\//.exec(text());
        if (match) {
          clearInterval(timer);
          resolve(Number(match[1]));
        }
        if (child.exitCode !== null) reject(new Error(text()));
      }, 50);
    });

  it('finishes a request in flight when SIGTERM arrives', async () => {
    const child = run({ PORT: '0', SERVICES: 'board' });
    const text = output(child);
    const port = await listeningPort(text, child);
    assert.match(text(), /Board data in SQLite at .+db\.sqlite3; live events within this process/, 'says where the board lives');
    const body = JSON.stringify({ username: 'demo', password: 'test' });
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    socket.on('data', (chunk: Buffer) => (response += chunk));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    // Headers and half the body: the request is in the handler, waiting for the rest.
    socket.write(`POST /api/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    await new Promise((resolve) => setTimeout(resolve, 400));
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(child.exitCode, null, 'still serving the request in flight');
    socket.write(body.slice(10));
    const code = await new Promise((resolve) => child.on('close', resolve));
    await ended;
    assert.equal(code, 0, text());
    assert.match(response, /^HTTP\/1\.1 200 /);
    assert.match(response, /"token":"[0-9a-f]{40}"/);
  });

  it('serves, then on SIGTERM stops accepting and exits 0', async () => {
    const child = run({ PORT: '0', SERVICES: 'placeholder' });
    const text = output(child);
    const port = await listeningPort(text, child);
    const res = await fetch(`http://127.0.0.1:${port}/image/10x10.png`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, text());
    assert.match(text(), /SIGTERM: finishing in-flight requests/);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/image/10x10.png`));
  });
});

describe('the README', () => {
  it('documents every environment variable', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.ok(readme.startsWith('# Lightweight\n\n```sh\nnpm install && npm start'), 'the two commands come first');
    for (const variable of VARIABLES) assert.match(readme, new RegExp(`\\| \`${variable.name}\` \\|`), variable.name);
  });
});
