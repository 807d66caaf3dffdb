// `npm run bench -- realtime`: 1000 websocket boards on one sprint. Each
// round is one API write (POST /api/tasks/); its latency for a board is the
// time from sending that request to the board receiving the event, so it
// includes the write itself. Memory per connection is measured in the server
// process (after a full GC) before and after the boards connect.
//
// Then the same across two processes sharing one PostgreSQL database and one
// Redis, as behind a load balancer: 500 boards on each, every write made
// through the second one (B), so the boards on A hear of it only through
// Redis. PostgreSQL comes from BENCH_POSTGRES_URL or TEST_POSTGRES_URL (a
// database of the run's own); Redis from BENCH_REDIS_URL, else a
// redis-server of the run's own, else TEST_REDIS_URL.
//
// The server is this same file run in a child process (REALTIME_BENCH_SERVER=1):
// the board API and the realtime part wired as app.ts does, plus a memory
// probe; DATABASE_URL and REDIS_URL, when set, choose its storage and event bus.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocket } from 'ws';
import { benchPostgresDatabase, ENABLE_SERVICES } from './api.bench.ts';
import { fmt, startServer, type ChildServer } from './lib.ts';

const BOARDS = 1000;
const ROUNDS = 50;
/** Rounds run first and not counted, while the JIT settles. */
const WARMUP = 5;
/** Boards opening their websocket at once while connecting. */
const CONNECT_BATCH = 100;
const ROUND_TIMEOUT_MS = 10_000;
const READY_TIMEOUT_MS = 10_000;
const SECRET_KEY = 'realtime-bench-secret-shared-by-every-process';

async function serveForBench(): Promise<void> {
  const [{ createBoard }, { createRealtime }, { loadSettings }, { health }] = await Promise.all([
    import('../src/board/index.ts'),
    import('../src/realtime/index.ts'),
    import('../src/settings.ts'),
    import('../src/health.ts'),
  ]);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lightweight-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const { DATABASE_URL, REDIS_URL, SECRET_KEY } = process.env;
  const settings = loadSettings({ DEBUG: 'on', DATABASE_PATH: path.join(dir, 'board.sqlite3'), PORT: '0', DATABASE_URL, REDIS_URL, SECRET_KEY });
  const log = () => {};
  const board = await createBoard({ settings, log });
  const realtime = createRealtime({ settings, log, pubsub: board.pubsub });
  const app = new Hono()
    .get('/healthz', health(board.dependencies))
    .route('/api', board.api)
    .get('/memory', (c) => {
      gc();
      const { rss, heapUsed, external } = process.memoryUsage();
      return c.json({ rss, heapUsed, external, connections: realtime.stats().connections });
    });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`LISTENING ${info.port}`)) as Server;
  realtime.attach(server);
  process.on('SIGTERM', () => {
    void realtime.close().then(async () => {
      server.close();
      await board.close();
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
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A JSON call to one server; throws on any answer but 2xx. */
async function call<T>(server: ChildServer, method: string, url: string, token?: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(url, server.url), {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(token ? { Authorization: `Token ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface Sprint {
  id: number;
  links: { channel: string };
}

/** The demo user's token and a new sprint, through `server`. */
async function sprintFor(server: ChildServer): Promise<{ token: string; sprint: Sprint }> {
  const { token } = await call<{ token: string }>(server, 'POST', '/api/token/', undefined, { username: 'demo', password: 'test' });
  const sprint = await call<Sprint>(server, 'POST', '/api/sprints/', token, { name: 'Bench', end: '2099-12-31' });
  return { token, sprint };
}

/**
 * Boards, each labelled with the process it is connected to, and the rounds
 * of writes they hear of: a round is over when every board got its event.
 */
class Audience {
  readonly boards: WebSocket[] = [];
  #labels: string[] = [];
  /** Receipt times of the round under way, keyed by the name its task is created with. */
  #round: { name: string; receipts: Array<{ at: number; label: string }>; done: () => void } | null = null;

  /** `count` more boards on `channel`, CONNECT_BATCH at a time. */
  async connect(channel: string, count: number, label: string): Promise<void> {
    for (let i = 0; i < count; i += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, count - i) }, () => {
        const ws = new WebSocket(channel);
        ws.on('message', (data) => this.#receive(data, label));
        this.boards.push(ws);
        this.#labels.push(label);
        return new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      });
      await Promise.all(batch);
    }
  }

  #receive(data: unknown, label: string): void {
    const at = performance.now();
    const round = this.#round;
    const event = JSON.parse(String(data)) as { body?: { name?: string } };
    if (round && event.body?.name === round.name && round.receipts.push({ at, label }) === this.boards.length) round.done();
  }

  /**
   * WARMUP + ROUNDS writes, one at a time, each waiting for every board; the
   * latency of each receipt from sending the write, by label and in all.
   */
  async rounds(write: (name: string) => Promise<unknown>): Promise<{ all: number[]; byLabel: Map<string, number[]>; writeTimes: number[] }> {
    const all: number[] = [];
    const byLabel = new Map<string, number[]>(this.#labels.map((label) => [label, []]));
    const writeTimes: number[] = [];
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      const name = `bench ${i}`;
      let timer: NodeJS.Timeout | undefined;
      const received = new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`round ${i}: ${this.#round?.receipts.length} of ${this.boards.length} boards within ${ROUND_TIMEOUT_MS} ms`)), ROUND_TIMEOUT_MS);
        this.#round = { name, receipts: [], done: resolve };
      });
      const sent = performance.now();
      try {
        await write(name);
        if (i >= WARMUP) writeTimes.push(performance.now() - sent);
        await received;
      } finally {
        clearTimeout(timer);
      }
      if (i < WARMUP) continue;
      for (const { at, label } of this.#round!.receipts) {
        all.push(at - sent);
        byLabel.get(label)!.push(at - sent);
      }
    }
    this.#round = null;
    for (const list of [all, writeTimes, ...byLabel.values()]) list.sort((a, b) => a - b);
    return { all, byLabel, writeTimes };
  }

  close(): void {
    for (const ws of this.boards) ws.terminate();
  }
}

const latencyLine = (sorted: number[]) =>
  `p50 ${fmt(percentile(sorted, 50), 1)} ms  p99 ${fmt(percentile(sorted, 99), 1)} ms  max ${fmt(sorted.at(-1)!, 1)} ms`;

/** 1000 boards on one process with its in-process event bus and SQLite. */
async function oneProcess(): Promise<void> {
  // Empty values count as unset: a DATABASE_URL or REDIS_URL of the caller's shell must not creep in.
  const server = await startServer(import.meta.filename, { REALTIME_BENCH_SERVER: '1', DATABASE_URL: '', REDIS_URL: '', SECRET_KEY });
  const audience = new Audience();
  try {
    const { token, sprint } = await sprintFor(server);

    // The same write with nobody listening: what the boards add to the write path.
    const alone: number[] = [];
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      const sent = performance.now();
      await call(server, 'POST', '/api/tasks/', token, { name: `alone ${i}`, sprint: sprint.id });
      if (i >= WARMUP) alone.push(performance.now() - sent);
    }
    alone.sort((a, b) => a - b);

    const before = await call<Memory>(server, 'GET', '/memory');
    const connectStarted = performance.now();
    await audience.connect(sprint.links.channel, BOARDS, 'one');
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const connected = await call<Memory>(server, 'GET', '/memory');
    if (connected.connections !== BOARDS) throw new Error(`the server counts ${connected.connections} connections, not ${BOARDS}`);

    const { all, writeTimes } = await audience.rounds((name) => call(server, 'POST', '/api/tasks/', token, { name, sprint: sprint.id }));

    const perConnection = (key: 'rss' | 'heapUsed' | 'external') => fmt((connected[key] - before[key]) / BOARDS / 1024, 1);
    console.log(`${BOARDS} boards on one sprint, connected in ${fmt(connectSeconds, 2)} s (batches of ${CONNECT_BATCH})`);
    console.log(`API write -> every board (${ROUNDS} writes, ${fmt(all.length)} receipts): ${latencyLine(all)}`);
    console.log(`  the write's own response: p50 ${fmt(percentile(writeTimes, 50), 1)} ms (${fmt(percentile(alone, 50), 1)} ms with no board connected)`);
    console.log(`memory per connection (server, after GC): heap ${perConnection('heapUsed')} KiB  external ${perConnection('external')} KiB  RSS ${perConnection('rss')} KiB`);
  } finally {
    audience.close();
    await server.stop();
  }
}

/** Redis for the run: BENCH_REDIS_URL, else a server of our own (the app's channel names are fixed, so sharing one lets others' events in), else TEST_REDIS_URL. */
async function benchRedis(): Promise<{ url: string; close(): Promise<void> } | null> {
  if (process.env.BENCH_REDIS_URL) return { url: process.env.BENCH_REDIS_URL, close: async () => {} };
  // Imported on use: the plain run needs none of it.
  const { startRedisServer } = await import('../test/services.ts');
  const own = await startRedisServer().catch(() => null);
  if (own) return own;
  return process.env.TEST_REDIS_URL ? { url: process.env.TEST_REDIS_URL, close: async () => {} } : null;
}

/** Waits, bounded, until the server's database and Redis are both up (before that, events would not cross). */
async function healthy(server: ChildServer): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(`${server.url}/healthz`).catch(() => null);
    if (response?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${server.url}/healthz: not healthy within ${READY_TIMEOUT_MS} ms: ${await response?.text()}`);
    await delay(50);
  }
}

/** 500 boards on each of two processes sharing PostgreSQL and Redis; every write through B. */
async function twoProcesses(): Promise<void> {
  const database = await benchPostgresDatabase();
  const redis = database ? await benchRedis() : null;
  if (!database || !redis) {
    console.log(`\nfan-out through Redis across two processes: skipped, ${database ? 'no Redis' : 'no PostgreSQL'} configured. To run it, ${ENABLE_SERVICES}.`);
    await database?.drop();
    return;
  }
  const servers: ChildServer[] = [];
  const audience = new Audience();
  try {
    const env = { REALTIME_BENCH_SERVER: '1', DATABASE_URL: database.url, REDIS_URL: redis.url, SECRET_KEY };
    // One after the other: the first migrates the empty database and creates the demo user.
    for (let i = 0; i < 2; i++) servers.push(await startServer(import.meta.filename, env));
    const [a, b] = servers as [ChildServer, ChildServer];
    await Promise.all(servers.map(healthy));
    const { token, sprint } = await sprintFor(b);
    // Each board connects to its process with the channel that process hands out.
    const channelOn = async (server: ChildServer) => (await call<Sprint>(server, 'GET', `/api/sprints/${sprint.id}/`, token)).links.channel;

    const connectStarted = performance.now();
    await audience.connect(await channelOn(a), BOARDS / 2, 'A');
    await audience.connect(await channelOn(b), BOARDS / 2, 'B');
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    for (const server of servers) {
      const { connections } = await call<Memory>(server, 'GET', '/memory');
      if (connections !== BOARDS / 2) throw new Error(`${server.url} counts ${connections} connections, not ${BOARDS / 2}`);
    }

    const { all, byLabel, writeTimes } = await audience.rounds((name) => call(b, 'POST', '/api/tasks/', token, { name, sprint: sprint.id }));

    console.log(`\n${BOARDS} boards on one sprint across two processes (${BOARDS / 2} on A, ${BOARDS / 2} on B; PostgreSQL + Redis), connected in ${fmt(connectSeconds, 2)} s`);
    console.log(`API write through B -> every board (${ROUNDS} writes, ${fmt(all.length)} receipts): ${latencyLine(all)}`);
    console.log(`  boards on A (through Redis): ${latencyLine(byLabel.get('A')!)}`);
    console.log(`  boards on B (the writer):    ${latencyLine(byLabel.get('B')!)}`);
    console.log(`  the write's own response: p50 ${fmt(percentile(writeTimes, 50), 1)} ms`);
  } finally {
    audience.close();
    await Promise.all(servers.map((server) => server.stop()));
    await database.drop();
    await redis.close();
  }
}

export async function run(): Promise<void> {
  await oneProcess();
  await twoProcesses();
}

if (process.env.REALTIME_BENCH_SERVER === '1') await serveForBench();
