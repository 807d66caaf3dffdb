// `npm run bench -- realtime`: 1000 websocket boards on one sprint. Each
// round is one API write (POST /api/tasks/); its latency for a board is the
// time from sending that request to the board receiving the event, so it
// includes the write itself. Memory per connection is measured in the server
// process (after a full GC) before and after the boards connect.
//
// The server is this same file run in a child process (REALTIME_BENCH_SERVER=1):
// the board API and the realtime part wired as app.ts does, plus a memory probe.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocket } from 'ws';
import { fmt, startServer } from './lib.ts';

const BOARDS = 1000;
const ROUNDS = 50;
/** Rounds run first and not counted, while the JIT settles. */
const WARMUP = 5;
/** Boards opening their websocket at once while connecting. */
const CONNECT_BATCH = 100;
const ROUND_TIMEOUT_MS = 10_000;

async function serveForBench(): Promise<void> {
  const [{ createBoard }, { createRealtime }, { loadSettings }] = await Promise.all([
    import('../src/board/index.ts'),
    import('../src/realtime/index.ts'),
    import('../src/settings.ts'),
  ]);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lightweight-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const settings = loadSettings({ DEBUG: 'on', DATABASE_PATH: path.join(dir, 'board.sqlite3'), PORT: '0' });
  const log = () => {};
  const board = await createBoard({ settings, log });
  const realtime = createRealtime({ settings, log, pubsub: board.pubsub });
  const app = new Hono()
    .route('/api', board.api)
    .get('/memory', (c) => {
      gc();
      const { rss, heapUsed, external } = process.memoryUsage();
      return c.json({ rss, heapUsed, external, connections: realtime.stats().connections });
    });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`LISTENING ${info.port}`)) as Server;
  realtime.attach(server);
  process.on('SIGTERM', () => {
    void realtime.close().then(() => {
      server.close();
      process.exit(0);
    });
  });
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  connections: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

export async function run(): Promise<void> {
  const server = await startServer(import.meta.filename, { REALTIME_BENCH_SERVER: '1' });
  const boards: WebSocket[] = [];
  try {
    const call = async <T>(method: string, url: string, token?: string, body?: unknown): Promise<T> => {
      const response = await fetch(new URL(url, server.url), {
        method,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(token ? { Authorization: `Token ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const { token } = await call<{ token: string }>('POST', '/api/token/', undefined, { username: 'demo', password: 'test' });
    const sprint = await call<{ id: number; links: { channel: string } }>('POST', '/api/sprints/', token, { name: 'Bench', end: '2099-12-31' });

    // Receipt times of the round under way, keyed by the name its task is created with.
    let round: { name: string; receipts: number[]; done: () => void } | null = null;
    const onMessage = (data: unknown) => {
      const now = performance.now();
      const event = JSON.parse(String(data)) as { body?: { name?: string } };
      if (round && event.body?.name === round.name && round.receipts.push(now) === BOARDS) round.done();
    };

    // The same write with nobody listening: what the boards add to the write path.
    const alone: number[] = [];
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      const sent = performance.now();
      await call('POST', '/api/tasks/', token, { name: `alone ${i}`, sprint: sprint.id });
      if (i >= WARMUP) alone.push(performance.now() - sent);
    }
    alone.sort((a, b) => a - b);

    const before = await call<Memory>('GET', '/memory');
    const connectStarted = performance.now();
    for (let i = 0; i < BOARDS; i += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, BOARDS - i) }, () => {
        const ws = new WebSocket(sprint.links.channel);
        ws.on('message', onMessage);
        boards.push(ws);
        return new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      });
      await Promise.all(batch);
    }
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const connected = await call<Memory>('GET', '/memory');
    if (connected.connections !== BOARDS) throw new Error(`the server counts ${connected.connections} connections, not ${BOARDS}`);

    const latencies: number[] = [];
    const writeTimes: number[] = [];
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      const name = `bench ${i}`;
      const received = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`round ${i}: ${round?.receipts.length} of ${BOARDS} boards within ${ROUND_TIMEOUT_MS} ms`)), ROUND_TIMEOUT_MS);
        round = { name, receipts: [], done: () => (clearTimeout(timer), resolve()) };
      });
      const sent = performance.now();
      await call('POST', '/api/tasks/', token, { name, sprint: sprint.id });
      if (i >= WARMUP) writeTimes.push(performance.now() - sent);
      await received;
      if (i < WARMUP) continue;
      latencies.push(...round!.receipts.map((t) => t - sent));
    }
    round = null;

    latencies.sort((a, b) => a - b);
    writeTimes.sort((a, b) => a - b);
    const perConnection = (key: 'rss' | 'heapUsed' | 'external') => fmt((connected[key] - before[key]) / BOARDS / 1024, 1);
    console.log(`${BOARDS} boards on one sprint, connected in ${fmt(connectSeconds, 2)} s (batches of ${CONNECT_BATCH})`);
    console.log(
      `API write -> every board (${ROUNDS} writes, ${fmt(latencies.length)} receipts): p50 ${fmt(percentile(latencies, 50), 1)} ms  p99 ${fmt(percentile(latencies, 99), 1)} ms  max ${fmt(latencies.at(-1)!, 1)} ms`,
    );
    console.log(
      `  the write's own response: p50 ${fmt(percentile(writeTimes, 50), 1)} ms (${fmt(percentile(alone, 50), 1)} ms with no board connected)`,
    );
    console.log(`memory per connection (server, after GC): heap ${perConnection('heapUsed')} KiB  external ${perConnection('external')} KiB  RSS ${perConnection('rss')} KiB`);
  } finally {
    for (const ws of boards) ws.terminate();
    await server.stop();
  }
}

if (process.env.REALTIME_BENCH_SERVER === '1') await serveForBench();
