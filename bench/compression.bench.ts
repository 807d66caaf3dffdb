// Serving a precompressed static file: Bootstrap's CSS under its versioned
// URL, asked for with `Accept-Encoding: br` once its top-quality brotli is
// ready, against a bare node:http server replaying the very same compressed
// bytes and headers from memory. Load from wrk; the app's CPU time per
// request from /proc.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { staticUrl } from '../src/templates/helpers.ts';
import { alternate, fmt, load, measure, report, ROOT, ROUNDS, SECONDS, startBareServer, startServer, type ChildServer } from './lib.ts';

export async function run(): Promise<void> {
  const cssPath = staticUrl('vendor/bootstrap/css/bootstrap.min.css');
  const file = readFileSync(path.join(ROOT, 'node_modules/bootstrap/dist/css/bootstrap.min.css'));
  const best = zlib.brotliCompressSync(file, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: file.byteLength },
  });
  const app = await startServer(path.join(ROOT, 'test/fixtures/app-process.ts'), {
    APP_PROCESS_LOG: 'discard',
    SERVICES: 'pages',
    DEBUG: 'off',
    SECRET_KEY: 'bench-only-secret-key-0123456789abcdef',
  });
  const headers = { 'Accept-Encoding': 'br' };
  let bare: ChildServer | undefined;
  try {
    // Cached: the first request starts the top-quality compression; wait until that is what is sent.
    let response: Response;
    let body: Buffer;
    const deadline = Date.now() + 30_000;
    do {
      response = await fetch(app.url + cssPath, { headers });
      body = Buffer.from(await response.arrayBuffer()); // fetch decodes it; compare what it decodes to
      if (Number(response.headers.get('content-length')) === best.byteLength) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    if (response.headers.get('content-encoding') !== 'br' || Number(response.headers.get('content-length')) !== best.byteLength || !body.equals(file)) {
      throw new Error(`${cssPath} is not served as its cached top-quality brotli (${response.headers.get('content-length')} bytes, ${best.byteLength} expected)`);
    }
    const replayed = ['content-type', 'content-encoding', 'cache-control', 'etag', 'last-modified', 'vary'].map((name): [string, string] => [name, response.headers.get(name)!]);
    bare = await startBareServer({ status: 200, headers: replayed, body: best });
    console.log(`${cssPath}: ${fmt(file.byteLength / 1024, 1)} KiB, ${fmt(best.byteLength / 1024, 1)} KiB as brotli; wrk, ${SECONDS} s x ${ROUNDS} rounds alternating, best kept`);
    const replaying = bare;
    const results = await alternate({
      bare: () => measure(replaying, () => load(`${replaying.url}${cssPath}`, { headers })),
      app: () => measure(app, () => load(app.url + cssPath, { headers })),
    });
    report('bare node:http, same brotli bytes', results.bare);
    report('cached bootstrap.min.css, br', results.app, results.bare);
  } finally {
    await bare?.stop();
    await app.stop();
  }
}
