// The MDN HTTP Observatory's own scoring (its retrieval, tests and grader,
// from @mdn/mdn-http-observatory) against the app as deployed: behind a TLS
// proxy that sets X-Forwarded-Proto (TRUST_PROXY=on), with plain HTTP
// redirected to HTTPS, as deploy/nginx.conf does. /, /board/, /api/, /image/
// and a page of a static build (served with the headers src/security-policy.ts
// gives a host) score A+ (at least 100). On plain HTTP, every check that does
// not need TLS passes.
//
// The package's install step downloads Chromium's HSTS preload list; it is
// skipped (allowScripts) so that `npm ci` needs no network, and an empty
// list stands in for it: loopback names are on no preload list anyway.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { contentSecurityPolicy } from '../src/security-policy.ts';
import { headersFor, parseHeadersFile } from './fixtures/headers-file.ts';
import { ROOT } from '../src/settings.ts';
import { startApp, tempDir, type Running } from './helpers.ts';

const OBSERVATORY = path.join(ROOT, 'node_modules', '@mdn', 'mdn-http-observatory');
const SCAN = path.join(ROOT, 'test', 'fixtures', 'observatory-scan.mjs');
/** The checks that cannot pass without TLS. */
const NEED_TLS = new Set(['redirection', 'strict-transport-security']);

interface Scan {
  score: number;
  grade: string;
  status: number;
  url: string;
  tests: Record<string, { pass: boolean; result: string; modifier: number }>;
}

const listen = (server: http.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: http.Server | undefined) => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));

/** A reverse proxy terminating TLS in front of `upstream`, setting the X-Forwarded-* headers as nginx does. */
function tlsProxy(key: string, cert: string, upstream: () => number): https.Server {
  return https.createServer({ key, cert }, (request, response) => {
    const forwarded = http.request(
      {
        host: '127.0.0.1',
        port: upstream(),
        method: request.method,
        path: request.url,
        headers: { ...request.headers, 'x-forwarded-proto': 'https', 'x-forwarded-host': request.headers.host, 'x-forwarded-for': request.socket.remoteAddress },
      },
      (answer) => {
        response.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => response.writeHead(502).end());
    request.pipe(forwarded);
  });
}

let dir: string;
let app: Running;
let certFile: string;
let proxy: https.Server;
let redirector: http.Server;
let builtSite: http.Server;
let proxyPort: number;
let redirectPort: number;
let upstreamPort: number;
let builtPage: string;
let builtPort: number;

async function scan(httpPort: number, httpsPort: number, target: string): Promise<Scan> {
  const { stdout } = await promisify(execFile)(process.execPath, [SCAN, 'localhost', String(httpPort), String(httpsPort), target], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Scan;
}

before(async () => {
  const preload = path.join(OBSERVATORY, 'conf', 'hsts-preload.json');
  if (!existsSync(preload)) writeFileSync(preload, '{}');

  dir = tempDir('lightweight-observatory-');
  certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  const [key, cert] = [readFileSync(keyFile, 'utf8'), readFileSync(certFile, 'utf8')];

  // A page with inline script and style, built by `npm run build` with the starter pages.
  const pagesDir = path.join(dir, 'pages');
  cpSync(path.join(ROOT, 'pages'), pagesDir, { recursive: true });
  writeFileSync(
    path.join(pagesDir, 'inline.html'),
    `{% extends "base.html" %}{% block content %}<style>#probe{color:#123}</style><p id="probe" style="margin:0">Probe</p><script>document.getElementById('probe').dataset.ran='yes'</script>{% endblock %}\n`,
  );
  const buildDir = path.join(dir, 'build');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'build.ts'], {
      cwd: ROOT,
      env: { ...process.env, PAGES_DIR: pagesDir, BUILD_DIR: buildDir, BUILD_CACHE: 'off', IMAGE_CACHE_DIR: path.join(dir, 'images') },
      stdio: 'ignore',
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm run build exited ${code}`))));
  });
  builtPage = readFileSync(path.join(buildDir, 'inline', 'index.html'), 'utf8');

  app = await startApp({ TRUST_PROXY: 'on', ALLOWED_HOSTS: 'localhost', DEBUG: 'off', SECRET_KEY: 'x'.repeat(40) });
  // The built page as a host that reads the build's _headers file serves it (HSTS, as such hosts do, over HTTPS only).
  const headerRules = parseHeadersFile(readFileSync(path.join(buildDir, '_headers'), 'utf8'));
  builtSite = http.createServer((request, response) => {
    const https = request.headers['x-forwarded-proto'] === 'https';
    const headers = headersFor(headerRules, '/inline/').filter(([name]) => https || name !== 'Strict-Transport-Security');
    response.writeHead(200, { ...Object.fromEntries(headers), 'Content-Type': 'text/html; charset=utf-8' });
    response.end(builtPage);
  });
  builtPort = await listen(builtSite);

  upstreamPort = app.port;
  proxy = tlsProxy(key, cert, () => upstreamPort);
  proxyPort = await listen(proxy);
  redirector = http.createServer((request, response) => {
    response.writeHead(301, { Location: `https://localhost:${proxyPort}${request.url}` }).end();
  });
  redirectPort = await listen(redirector);
});
after(async () => {
  await Promise.all([close(proxy), close(redirector), close(builtSite)]);
  await app?.close();
});

describe('behind HTTPS through a proxy', () => {
  for (const target of ['/', '/board/', '/api/', '/image/']) {
    it(`scores A+ for ${target}`, { timeout: 90_000 }, async (t) => {
      upstreamPort = app.port;
      const result = await scan(redirectPort, proxyPort, target);
      t.diagnostic(`${target}: ${result.score} (${result.grade})`);
      assert.equal(result.url, `https://localhost:${proxyPort}${target}`);
      const failing = Object.entries(result.tests).filter(([, test]) => !test.pass);
      assert.deepEqual(failing, [], 'every check passes');
      assert.equal(result.grade, 'A+', JSON.stringify(result.tests));
      assert.ok(result.score >= 100, `score ${result.score}`);
    });
  }

  it('scores A+ for a page of the static build served with its _headers, and carries its policy in a <meta> too', { timeout: 90_000 }, async (t) => {
    upstreamPort = builtPort;
    try {
      const result = await scan(redirectPort, proxyPort, '/inline/');
      t.diagnostic(`built /inline/: ${result.score} (${result.grade})`);
      assert.deepEqual(Object.entries(result.tests).filter(([, test]) => !test.pass), []);
      assert.equal(result.grade, 'A+');
      assert.ok(result.score >= 100, `score ${result.score}`);
    } finally {
      upstreamPort = app.port;
    }
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(builtPage);
    assert.ok(meta, 'the built page has its policy in a <meta>');
    const header = contentSecurityPolicy(builtPage.replace(meta[0], ''));
    assert.equal(meta[1]!.replaceAll('&#39;', "'").replaceAll('&quot;', '"'), header.replace(/; frame-ancestors 'none'$/, ''));
    // 'wasm-unsafe-eval': the starter layout's search box (Pagefind's search is WebAssembly).
    assert.match(header, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[^']+';/, 'the inline script by its hash');
  });
});

describe('on plain HTTP', () => {
  for (const target of ['/', '/board/', '/api/', '/image/']) {
    it(`passes every check that does not need TLS for ${target}`, { timeout: 90_000 }, async (t) => {
      // Nothing listens for HTTPS there: the app straight, as on a laptop.
      const unused = http.createServer();
      const closed = await listen(unused);
      await close(unused);
      const result = await scan(app.port, closed, target);
      t.diagnostic(`${target} on plain HTTP: ${result.score} (${result.grade}); failing: ${Object.entries(result.tests).filter(([, test]) => !test.pass).map(([name]) => name).join(', ')}`);
      const failing = Object.entries(result.tests).filter(([name, test]) => !test.pass && !NEED_TLS.has(name));
      assert.deepEqual(failing, []);
    });
  }
});
