// The placeholder service under load, against a bare node:http server that
// answers a fixed PNG from memory (the ceiling for any Node server here):
//   (a) a cached 300×200 PNG, (b) a 304 revalidation, (c) distinct sizes
//   nobody asked for before, (d) latency of a cold 2000×2000 PNG.
// Next to each figure: the ratio to the bare server, the server's CPU time
// per request, and the factor over the book's Django + Pillow service.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type autocannon from 'autocannon';
import { fmt, load, report, ROOT, startBareServer, startServer, type ChildServer, type LoadResult } from './lib.ts';

/** The book's service (gunicorn, 2 workers) measured on this kind of machine. */
const BOOK = { cached: 5700, revalidated: 7700, distinct: 160, coldMs: 54 };
const TARGET = { overBook: { cached: 5, revalidated: 5, distinct: 3 }, coldMs: BOOK.coldMs / 2, ofBare: 0.7 };

/** CPU seconds (user + system, all threads) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks of 1/100 s
}

type Measured = LoadResult & { cpuMs: number };

async function measure(server: ChildServer, run: () => Promise<LoadResult>): Promise<Measured> {
  const before = cpuSeconds(server.child.pid!);
  const result = await run();
  const requests = result.requestsPerSecond * Number(process.env.BENCH_SECONDS ?? 5);
  return { ...result, cpuMs: ((cpuSeconds(server.child.pid!) - before) * 1000) / Math.max(1, requests) };
}

function note(result: Measured, book: number, target: number): void {
  const factor = result.requestsPerSecond / book;
  console.log(`${''.padEnd(44)} ${fmt(result.cpuMs, 2)} ms CPU/request; ${fmt(factor, 1)}x the book's ${fmt(book)} req/s (target ${target}x)`);
}

/** Each call a path no one asked for before: sizes from 200x100 upwards, typical of page layouts. */
function distinctSizes(): autocannon.Request[] {
  let n = 0;
  return [
    {
      setupRequest: (request) => {
        n++;
        return { ...request, path: `/image/${200 + (n % 800)}x${100 + Math.floor(n / 800)}/` };
      },
    },
  ];
}

/** Cold 2000×2000 PNGs: the same size, a different text colour each time so nothing is cached. */
function coldLarge(): autocannon.Request[] {
  let n = 0;
  return [{ setupRequest: (request) => ({ ...request, path: `/image/2000x2000/dddddd/${(0x100000 + n++).toString(16)}/` }) }];
}

/** The mean of several runs, so one slow second on a shared machine does not decide a ratio. */
function mean(results: Measured[]): Measured {
  const avg = (pick: (r: Measured) => number) => results.reduce((sum, r) => sum + pick(r), 0) / results.length;
  return {
    requestsPerSecond: avg((r) => r.requestsPerSecond),
    p50: avg((r) => r.p50),
    p99: avg((r) => r.p99),
    max: Math.max(...results.map((r) => r.max)),
    errors: avg((r) => r.errors) * results.length,
    non2xx: avg((r) => r.non2xx) * results.length,
    cpuMs: avg((r) => r.cpuMs),
  };
}

/** Rounds of the bare server, (a) and (b), alternated. */
const ROUNDS = 2;

export async function run(): Promise<void> {
  const app = await startServer(path.join(ROOT, 'test/fixtures/app-process.ts'), {
    APP_PROCESS_LOG: 'discard',
    SERVICES: 'placeholder',
    DEBUG: 'off',
    SECRET_KEY: 'bench-only-secret-key-0123456789abcdef',
  });
  const url = `${app.url}/image/300x200/`;
  const first = await fetch(url);
  const png = Buffer.from(await first.arrayBuffer());
  const etag = first.headers.get('etag')!;
  const bare = await startBareServer(png, { 'Content-Type': 'image/png', ETag: etag, 'Cache-Control': first.headers.get('cache-control')! });
  try {
    console.log(`PLACEHOLDER_CONCURRENCY ${process.env.PLACEHOLDER_CONCURRENCY ?? 'default'}, ${Number(process.env.BENCH_SECONDS ?? 5)} s per run, (a) and (b) alternated with the bare server ${ROUNDS} times`);
    const runs: Record<'bare' | 'cached' | 'revalidated', Measured[]> = { bare: [], cached: [], revalidated: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.bare.push(await measure(bare, () => load(`${bare.url}/image/300x200/`)));
      runs.cached.push(await measure(app, () => load(url)));
      runs.revalidated.push(await measure(app, () => load(url, { headers: { 'if-none-match': etag } })));
    }
    const [baseline, cached, revalidated] = [mean(runs.bare), mean(runs.cached), mean(runs.revalidated)];
    report('bare node:http, fixed PNG from memory', baseline);
    console.log(`${''.padEnd(44)} ${fmt(baseline.cpuMs, 2)} ms CPU/request`);
    report('(a) cached 300x200 PNG', cached, baseline);
    note(cached, BOOK.cached, TARGET.overBook.cached);
    report('(b) 304 revalidation', { ...revalidated, non2xx: 0 }, baseline);
    note(revalidated, BOOK.revalidated, TARGET.overBook.revalidated);

    const distinct = await measure(app, () => load(app.url, { requests: distinctSizes() }));
    report('(c) distinct uncached sizes (200-999 x 100+)', distinct, baseline);
    note(distinct, BOOK.distinct, TARGET.overBook.distinct);

    const cold = await measure(app, () => load(app.url, { connections: 1, requests: coldLarge() }));
    report('(d) cold 2000x2000 PNG, one at a time', cold);
    console.log(
      `${''.padEnd(44)} p50 ${fmt(cold.p50, 1)} ms, p99 ${fmt(cold.p99, 1)} ms; the book: ${BOOK.coldMs} ms (target ${TARGET.coldMs} ms); ${fmt(cold.cpuMs, 2)} ms CPU each`,
    );

    const ratios = [cached, revalidated].map((r) => r.requestsPerSecond / baseline.requestsPerSecond);
    console.log(`(a) and (b) at ${ratios.map((r) => `${fmt(r, 2)}x`).join(' and ')} the bare server (target ${TARGET.ofBare}x).`);
  } finally {
    await Promise.all([app.stop(), bare.stop()]);
  }
}
