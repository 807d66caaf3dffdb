// `npm run bench -- placeholder`: the placeholder service under wrk load,
//   (a) a cached 300×200 PNG and (b) its 304 revalidation, each against a
//       bare node:http server replaying the very response ours gave (status,
//       headers, body), rounds alternating, best kept;
//   (c) distinct sizes nobody asked for before (every request renders);
//   (d) latency of a cold 2000×2000 PNG, one at a time;
//   (e) p99 of uncached 10×10 placeholders while 100 connections keep asking
//       for distinct 1999×1999 AVIFs, against their p99 on an idle server,
//       and the server's peak resident memory during that flood.
// Next to each figure: the server's CPU time per request, the ratio to the
// bare server, and the factor over the book's Django + Pillow service.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { alternate, capture, fmt, load, measure, report, ROOT, ROUNDS, SECONDS, startBareServer, startServer, type ChildServer, type Measured } from './lib.ts';

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

/** A wrk request() asking for `path` (a Lua format string) with a number no request of this run used before. */
const numbered = (path: string, offset = 0) => `
local n = 0
function request()
  n = n + 1
  return wrk.format(nil, string.format("${path}", ${offset} + n * threads + thread_id))
end`;

/** Cold 2000×2000 PNGs: the same size, a different text colour each time so nothing is cached. */
const COLD_LARGE = numbered('/image/2000x2000/dddddd/%06x/', 0x100000);

/** 10×10 placeholders never drawn before (a different background each time): each one is a render in the small lane. */
const SMALL_DISTINCT = numbered('/image/10x10/%06x/');

/** Distinct 1999×1999 AVIFs: every request a large render (or a 503 once the line is full). */
const LARGE_AVIF_FLOOD = numbered('/image/1999x1999.avif?bg=%06x');

/** Resident memory of a process now, from /proc (bytes). */
const residentBytes = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/** (e): small placeholders idle and under a flood of large AVIFs, rounds alternating, best of each kept. */
async function smallUnderFlood(app: ChildServer): Promise<void> {
  const small = () => measure(app, () => load(app.url, { connections: 4, threads: 1, requestScript: SMALL_DISTINCT }));
  const idle: Measured[] = [];
  const flooded: Array<Measured & { peakRss: number; baseRss: number; floodNon2xx: number; floodRequests: number }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    idle.push(await small());
    const pid = app.child.pid!;
    const baseRss = residentBytes(pid);
    let peakRss = baseRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, residentBytes(pid))), 50);
    const flood = load(app.url, { connections: 100, threads: 2, duration: SECONDS + 2, requestScript: LARGE_AVIF_FLOOD });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the flood fills the render slots and the line
    const during = await small();
    const floodResult = await flood;
    clearInterval(sampler);
    flooded.push({ ...during, peakRss, baseRss, floodNon2xx: floodResult.non2xx, floodRequests: Math.round(floodResult.requestsPerSecond * (SECONDS + 2)) });
    await new Promise((resolve) => setTimeout(resolve, 2000)); // renders still running finish
  }
  // Best is the lowest p99 of a run that completed requests at all (a run with none has no p99).
  const p99 = (run: Measured) => (run.requestsPerSecond > 0 ? run.p99 : Infinity);
  const quiet = idle.reduce((a, b) => (p99(b) < p99(a) ? b : a));
  const busy = flooded.reduce((a, b) => (p99(b) < p99(a) ? b : a));
  report('(e) uncached 10x10 PNG, idle', quiet);
  report('    ... while 100 conns flood 1999x1999 AVIF', busy);
  const mb = (bytes: number) => fmt(bytes / 1024 / 1024);
  console.log(
    `${''.padEnd(40)} p99 ${fmt(busy.p99, 1)} ms vs ${fmt(quiet.p99, 1)} ms idle (${fmt(busy.p99 / quiet.p99, 1)}x); ` +
      `RSS ${mb(busy.baseRss)} MB before, peak ${mb(Math.max(...flooded.map((f) => f.peakRss)))} MB; ` +
      `flood: ${busy.floodRequests} requests, ${busy.floodNon2xx} answered 503 (and sent again at once by wrk)`,
  );
}

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

    await smallUnderFlood(app);
  } finally {
    await Promise.all([app.stop(), ...bares.map((bare) => bare.stop())]);
  }
}
