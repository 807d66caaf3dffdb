// `npm run bench -- placeholder`: the placeholder service under wrk load,
//   (a) a cached 300×200 PNG and (b) its 304 revalidation, each against a
//       bare node:http server replaying the very response ours gave (status,
//       headers, body), rounds alternating, best kept;
//   (c) distinct sizes nobody asked for before (every request renders);
//   (d) latency of a cold 2000×2000 PNG, one at a time.
// Next to each figure: the server's CPU time per request, the ratio to the
// bare server, and the factor over the book's Django + Pillow service.
import path from 'node:path';
import { alternate, capture, fmt, load, measure, report, ROOT, ROUNDS, SECONDS, startBareServer, startServer, type ChildServer } from './lib.ts';

/** The book's service (gunicorn, 2 workers) measured on this kind of machine. */
const BOOK = { cached: 5700, revalidated: 7700, distinct: 160, coldMs: 54 };
const TARGET = { overBook: { cached: 5, revalidated: 5, distinct: 3 }, coldMs: BOOK.coldMs / 2, ofBare: 0.8 };

/** Each request a path no one asked for before: sizes from 200x100 upwards, typical of page layouts. */
const DISTINCT_SIZES = `
local n = 0
function request()
  local k = n * threads + thread_id
  n = n + 1
  return wrk.format(nil, "/image/" .. (200 + k % 800) .. "x" .. (100 + math.floor(k / 800)) .. "/")
end`;

/** Cold 2000×2000 PNGs: the same size, a different text colour each time so nothing is cached. */
const COLD_LARGE = `
local n = 0
function request()
  n = n + 1
  return wrk.format(nil, string.format("/image/2000x2000/dddddd/%06x/", 0x100000 + n * threads + thread_id))
end`;

export async function run(): Promise<void> {
  const app = await startServer(path.join(ROOT, 'test/fixtures/app-process.ts'), {
    SERVICES: 'placeholder',
    DEBUG: 'off',
    SECRET_KEY: 'bench-only-secret-key-0123456789abcdef',
  });
  const bares: ChildServer[] = [];
  try {
    const url = `${app.url}/image/300x200/`;
    const png = await capture(url);
    const etag = png.headers.find(([name]) => name === 'etag')![1];
    const revalidation = { 'If-None-Match': etag };
    const notModified = await capture(url, { headers: revalidation });
    const [barePng, bare304] = await Promise.all([startBareServer(png), startBareServer(notModified)]);
    bares.push(barePng, bare304);
    console.log(`wrk -t2 -c32, ${SECONDS} s per run; each row against a bare node:http server replaying our response, best of ${ROUNDS} rounds alternating`);

    const warm = (server: ChildServer, headers?: Record<string, string>) => () => load(`${server.url}/image/300x200/`, { duration: 1, headers });
    const cached = await alternate(
      { ours: () => measure(app, () => load(url)), bare: () => measure(barePng, () => load(`${barePng.url}/image/300x200/`)) },
      { ours: warm(app), bare: warm(barePng) },
    );
    report(`(a) cached 300x200 PNG (${png.body.length} B)`, cached.ours, cached.bare, TARGET.ofBare);
    console.log(`${''.padEnd(40)} ${fmt(cached.ours.requestsPerSecond / BOOK.cached, 1)}x the book's ${fmt(BOOK.cached)} req/s (target ${TARGET.overBook.cached}x)`);

    const revalidated = await alternate(
      {
        ours: () => measure(app, () => load(url, { headers: revalidation })),
        bare: () => measure(bare304, () => load(`${bare304.url}/image/300x200/`, { headers: revalidation })),
      },
      { ours: warm(app, revalidation), bare: warm(bare304, revalidation) },
    );
    report('(b) 304 revalidation', revalidated.ours, revalidated.bare, TARGET.ofBare);
    console.log(`${''.padEnd(40)} ${fmt(revalidated.ours.requestsPerSecond / BOOK.revalidated, 1)}x the book's ${fmt(BOOK.revalidated)} req/s (target ${TARGET.overBook.revalidated}x)`);

    const distinct = await measure(app, () => load(app.url, { requestScript: DISTINCT_SIZES }));
    report('(c) distinct uncached sizes (200-999 x 100+)', distinct);
    console.log(`${''.padEnd(40)} ${fmt(distinct.requestsPerSecond / BOOK.distinct, 1)}x the book's ${fmt(BOOK.distinct)} req/s (target ${TARGET.overBook.distinct}x)`);

    const cold = await measure(app, () => load(app.url, { connections: 1, threads: 1, requestScript: COLD_LARGE }));
    report('(d) cold 2000x2000 PNG, one at a time', cold);
    console.log(`${''.padEnd(40)} p50 ${fmt(cold.p50, 1)} ms, p99 ${fmt(cold.p99, 1)} ms; the book: ${BOOK.coldMs} ms (target ${TARGET.coldMs} ms)`);
  } finally {
    await Promise.all([app.stop(), ...bares.map((bare) => bare.stop())]);
  }
}
