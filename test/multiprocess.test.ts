// Two real app processes sharing one PostgreSQL database and one Redis, as
// behind a load balancer: events, drags, login throttling and revocations
// cross from one process to the other, both start at once on an empty
// database, and a Redis outage degrades each process to its own boards
// until Redis is back, when boards are asked to reconnect and everything
// crosses again, with neither process restarted.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { WebSocket } from 'ws';
import { MIGRATIONS } from '../src/board/migrations.ts';
import { openStore } from '../src/board/store.ts';
import { createUser } from '../src/board/users.ts';
import { runScript, until } from './helpers.ts';
import { POSTGRES_UNAVAILABLE, postgresDatabase, startRedisServer } from './services.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const APP_PROCESS = path.join(ROOT, 'test/fixtures/app-process.ts');
const SECRET_KEY = 'the secret both processes of the multi-process tests share';
const START_TIMEOUT_MS = 30_000;
const WAIT_MS = 5000;
/** Redis reconnects with a growing delay of up to 2 s; health, resync and resubscription follow. */
const RECOVERY_MS = 10_000;
/** Token revocations checked one after the other (each takes a few milliseconds). */
const REVOCATIONS = 20;
/** How soon another process must stop accepting revoked credentials (it caches them, and hears of changes through NOTIFY). */
const REVOCATION_MS = 100;

const databaseUrl = await postgresDatabase();
const redis = databaseUrl ? await startRedisServer() : null;
after(() => redis?.close());
const skip = !databaseUrl ? POSTGRES_UNAVAILABLE : !redis ? 'redis-server is not installed: run `source .ci/services.sh` first (it installs it)' : false;

// ---------------------------------------------------------------- waiting, bounded

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- app processes

interface AppProcess {
  name: string;
  url: string;
  port: number;
  /** Every line the process wrote to stdout: its log. */
  lines: string[];
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
// However the test process ends, no app process outlives it.
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

function startProcess(name: string): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', APP_PROCESS], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl!,
      REDIS_URL: redis!.url,
      SECRET_KEY,
      DEBUG: 'on',
      SERVICES: 'board',
      ALLOWED_HOSTS: 'localhost,127.0.0.1',
      TRUST_PROXY: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines: string[] = [];
  let errors = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));

  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 6000);
      child.once('exit', () => (clearTimeout(timer), resolve()));
      child.kill('SIGTERM');
    });

  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      clearInterval(poll);
      void stop().then(() => reject(new Error(`process ${name} ${why}:\n${[...lines, partial].join('\n')}\n${errors.trim().split('\n').slice(0, 12).join('\n')}`)));
    };
    const timer = setTimeout(() => fail(`did not listen within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const poll = setInterval(() => {
      const port = lines.map((line) => /^LISTENING (\d+)$/.exec(line)?.[1]).find(Boolean);
      if (!port) return;
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ name, url: `http://127.0.0.1:${port}`, port: Number(port), lines, stop });
    }, 20);
    child.once('exit', (code, signal) => {
      if (lines.some((line) => line.startsWith('LISTENING'))) return;
      // Let the last output arrive before reporting it.
      setTimeout(() => fail(`exited (${signal ?? code}) before listening`), 50);
    });
  });
}

// ---------------------------------------------------------------- HTTP

interface Response<T> {
  status: number;
  headers: Headers;
  body: T;
}

async function call<T = Record<string, any>>(app: AppProcess, method: string, url: string, body?: unknown, auth: string | null = token): Promise<Response<T>> {
  const response = await fetch(`${app.url}${url}`, {
    method,
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      ...(auth ? { Authorization: auth.includes(' ') ? auth : `Token ${auth}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

async function login(app: AppProcess, username = 'demo', password = 'test'): Promise<string> {
  const answer = await call<{ token: string }>(app, 'POST', '/api/token/', { username, password }, null);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.token;
}

interface Sprint {
  id: number;
  links: { channel: string };
}

let sprintDay = 0;
/** A new sprint; each needs an end date of its own. */
async function newSprint(app: AppProcess, name: string): Promise<Sprint> {
  const end = new Date(Date.UTC(2090, 0, 1 + sprintDay++)).toISOString().slice(0, 10);
  const created = await call<Sprint>(app, 'POST', '/api/sprints/', { name, end });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

/** A fresh signed channel (they expire): the sprint as this process represents it now. */
async function channelOf(app: AppProcess, sprintId: number): Promise<string> {
  const sprint = await call<Sprint>(app, 'GET', `/api/sprints/${sprintId}/`);
  assert.equal(sprint.status, 200);
  return sprint.body.links.channel;
}

async function health(app: AppProcess): Promise<Response<{ status: string; checks: Record<string, { kind: string; state: string; detail?: string }> }>> {
  return call(app, 'GET', '/healthz', undefined, null);
}

// ---------------------------------------------------------------- boards (websocket clients)

type Message = Record<string, unknown>;

interface Board {
  socket: WebSocket;
  received: Message[];
  /** The close code, once the server (or we) closed the socket. */
  closed: Promise<number>;
  /** Waits (bounded) until `count` messages have arrived in all. */
  receives(count: number, what?: string): Promise<void>;
}

const boards = new Set<Board>();

function openBoard(channel: string): Promise<Board> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(channel, { handshakeTimeout: WAIT_MS });
    const received: Message[] = [];
    const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)));
    const board: Board = {
      socket,
      received,
      closed,
      receives: (count, what = `${count} message(s)`) =>
        until(`${what} (received so far: ${JSON.stringify(received)})`, () => received.length >= count),
    };
    socket.on('message', (data) => received.push(JSON.parse(String(data)) as Message));
    socket.once('open', () => {
      boards.add(board);
      void closed.then(() => boards.delete(board));
      resolve(board);
    });
    socket.on('error', reject); // after 'open' a no-op, but it keeps an error from being unhandled
  });
}

async function closeBoards(...which: Board[]): Promise<void> {
  await Promise.all(
    which.map(async (board) => {
      board.socket.close();
      await Promise.race([board.closed, delay(1000)]);
      board.socket.terminate();
    }),
  );
}

/** Waits (bounded) until `count` processes are subscribed to `topic` in Redis: publishing earlier might reach fewer. */
async function subscribed(topic: string, count: number): Promise<void> {
  const probe = new Redis(redis!.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await until(`${count} subscriber(s) of ${topic}`, async () => {
      const [, n] = (await probe.pubsub('NUMSUB', topic)) as [string, number];
      return n === count;
    });
  } finally {
    probe.disconnect();
  }
}

/** Connections to Redis, probe excluded: each process holds three (publisher, subscriber, login-failure counter). */
async function redisConnections(): Promise<number> {
  const probe = new Redis(redis!.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    const list = (await probe.client('LIST')) as string;
    return list.trim().split('\n').length - 1;
  } finally {
    probe.disconnect();
  }
}

// ---------------------------------------------------------------- the two processes

let a: AppProcess;
let b: AppProcess;
/** Why starting both at once failed, if it did (the first test reports it; the others go on with a second try). */
let concurrentStartFailure: Error | null = null;
let token: string;

describe('two app processes on one PostgreSQL database and one Redis', { skip, timeout: 60_000 }, () => {
  before(async () => {
    const started = await Promise.allSettled([startProcess('A'), startProcess('B')]);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) concurrentStartFailure = failed.reason as Error;
    // One of them crashing at start must not hide what the other tests prove: start it again, alone.
    const again = (i: number) => {
      const result = started[i]!;
      return result.status === 'fulfilled' ? result.value : startProcess(i ? 'B' : 'A');
    };
    [a, b] = await Promise.all([again(0), again(1)]);
    for (const app of [a, b]) await until(`${app.name} healthy`, async () => (await health(app)).status === 200, RECOVERY_MS);
    token = await login(b);
  });

  after(async () => {
    await closeBoards(...boards);
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('both start at once on an empty database: migrated once, both healthy', async () => {
    if (concurrentStartFailure) assert.fail(`starting both at once failed: ${concurrentStartFailure.message}`);
    const client = new pg.Client({ connectionString: databaseUrl!, connectionTimeoutMillis: WAIT_MS });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows.map((row) => row.version), MIGRATIONS.map((_, i) => i + 1));
      const users = await client.query("SELECT count(*)::int AS n FROM users WHERE username = 'demo'");
      assert.equal(users.rows[0].n, 1);
    } finally {
      await client.end();
    }
    for (const app of [a, b]) {
      const answer = await health(app);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, {
        status: 'ok',
        checks: { database: { kind: 'postgresql', state: 'up' }, events: { kind: 'redis', state: 'up' } },
      });
    }
  });

  it("sends the writes made through B to the boards on A, with B's exact representation", async () => {
    const sprint = await newSprint(b, 'Across processes');
    const watchers = await Promise.all([1, 2, 3].map(async () => openBoard(await channelOf(a, sprint.id))));

    const created = await call<{ id: number }>(b, 'POST', '/api/tasks/', { name: 'Made on B', sprint: sprint.id });
    assert.equal(created.status, 201);
    const updated = await call(b, 'PATCH', `/api/tasks/${created.body.id}/`, { status: 2, started: '2089-12-01' });
    assert.equal(updated.status, 200);
    assert.equal((await call(b, 'DELETE', `/api/tasks/${created.body.id}/`)).status, 204);

    const id = created.body.id;
    for (const board of watchers) {
      await board.receives(3, 'add, update and remove');
      assert.deepEqual(board.received, [
        { model: 'task', id, action: 'add', body: created.body },
        { model: 'task', id, action: 'update', body: updated.body },
        // A deletion carries the representation the object had: B's last answer for it.
        { model: 'task', id, action: 'remove', body: updated.body },
      ]);
    }
    await closeBoards(...watchers);
  });

  it("forwards a drag to the sprint's other boards on both processes, never to the sender or to another sprint", async () => {
    const sprint = await newSprint(a, 'Dragging');
    const other = await newSprint(a, 'Elsewhere');
    const sender = await openBoard(await channelOf(a, sprint.id));
    const neighbour = await openBoard(await channelOf(a, sprint.id));
    const remote = await openBoard(await channelOf(b, sprint.id));
    const otherLocal = await openBoard(await channelOf(a, other.id));
    const otherRemote = await openBoard(await channelOf(b, other.id));
    await subscribed(`board:sprint:${sprint.id}`, 2);
    await subscribed(`board:sprint:${other.id}`, 2);

    const drag = { model: 'task', id: 101, action: 'dragstart' };
    sender.socket.send(JSON.stringify(drag));
    await Promise.all([neighbour.receives(1), remote.receives(1)]);
    assert.deepEqual([neighbour.received, remote.received], [[drag], [drag]]);

    // Every drag from A goes through A's one publisher connection, so Redis hands them on in
    // order: once the sender sees the neighbour's drag, its own would have come before it.
    const reply = { model: 'task', id: 102, action: 'drop' };
    neighbour.socket.send(JSON.stringify(reply));
    await Promise.all([sender.receives(1), remote.receives(2)]);
    assert.deepEqual(sender.received, [reply], 'the sender never gets its own drag back');
    // Likewise a drag on the other sprint, sent after them, arrives after anything misrouted would have.
    const elsewhere = { model: 'task', id: 103, action: 'dragend' };
    otherLocal.socket.send(JSON.stringify(elsewhere));
    await otherRemote.receives(1);
    assert.deepEqual([otherRemote.received, otherLocal.received], [[elsewhere], []]);
    assert.deepEqual(neighbour.received, [drag], 'nothing of the other sprint, nothing of its own');
    await closeBoards(sender, neighbour, remote, otherLocal, otherRemote);
  });

  it('shares login throttling: 5 failures through A make the next attempt through B answer 429', async () => {
    // Each process counts in Redis only once its counter is connected; before that it would count alone.
    await until('both processes fully connected to Redis', async () => (await redisConnections()) >= 6);
    const username = `mallory-${randomBytes(3).toString('hex')}`;
    for (let i = 0; i < 5; i++) {
      const attempt = await call(a, 'POST', '/api/token/', { username, password: `guess ${i}` }, null);
      assert.equal(attempt.status, 400, `attempt ${i + 1} through A`);
    }
    const next = await call<{ detail: string }>(b, 'POST', '/api/token/', { username, password: 'guess 5' }, null);
    assert.equal(next.status, 429, JSON.stringify(next.body));
    assert.match(next.body.detail, /^Request was throttled\. Expected available in \d+ seconds?\.$/);
    assert.ok(Number(next.headers.get('retry-after')) > 0);
  });

  it(`stops accepting on A at once, and on B within ${REVOCATION_MS} ms, a token revoked through A, and Basic credentials changed by the changepassword command`, async () => {
    /** Milliseconds from now until B refuses these credentials; fails past REVOCATION_MS. */
    const refusedByB = async (auth: string, detail: string): Promise<void> => {
      const started = performance.now();
      for (;;) {
        const answer = await call<{ detail: string }>(b, 'GET', '/api/tasks/', undefined, auth);
        if (answer.status === 401) return assert.deepEqual(answer.body, { detail });
        const elapsed = performance.now() - started;
        assert.ok(elapsed < REVOCATION_MS, `B still accepted them ${elapsed.toFixed(0)} ms after the change`);
        await delay(2);
      }
    };
    try {
      for (let i = 0; i < REVOCATIONS; i++) {
        const mine = await login(a);
        assert.equal((await call(b, 'GET', '/api/tasks/', undefined, mine)).status, 200, 'B knows the token (and caches it)');
        assert.equal((await call(a, 'GET', '/api/tasks/', undefined, mine)).status, 200, 'so does A');
        assert.equal((await call(a, 'DELETE', '/api/token/', undefined, mine)).status, 204);
        const onA = await call<{ detail: string }>(a, 'GET', '/api/tasks/', undefined, mine);
        assert.deepEqual([onA.status, onA.body], [401, { detail: 'Invalid token.' }], `revocation ${i + 1} of ${REVOCATIONS}, on A`);
        await refusedByB(mine, 'Invalid token.');
      }
    } finally {
      token = await login(b); // the demo user's token was revoked: the other tests need a new one
    }

    // A user of its own, made around the app as a command would.
    const store = await openStore({ databasePath: '', databaseUrl });
    const username = `carol-${randomBytes(3).toString('hex')}`;
    try {
      await createUser(store, { username, password: 'first password' });
    } finally {
      await store.close();
    }
    const basic = (password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    assert.equal((await call(b, 'GET', '/api/tasks/', undefined, basic('first password'))).status, 200, 'B verifies (and caches) them');
    await changePassword(username, 'second password');
    await refusedByB(basic('first password'), 'Invalid username/password.');
    assert.equal((await call(b, 'GET', '/api/tasks/', undefined, basic('second password'))).status, 200);
  });

  it('keeps working without Redis, says so once, and has every board catch up when Redis is back', async () => {
    const sprint = await newSprint(a, 'Outage');
    let onA = await openBoard(await channelOf(a, sprint.id));
    let onB = await openBoard(await channelOf(b, sprint.id));
    const linesBefore = [a.lines.length, b.lines.length];

    await redis!.stop();
    for (const app of [a, b]) {
      await until(`${app.name} unhealthy`, async () => (await health(app)).body.checks.events?.state === 'down');
      const answer = await health(app);
      assert.equal(answer.status, 503);
      assert.equal(answer.body.status, 'unavailable');
      assert.deepEqual(answer.body.checks.database, { kind: 'postgresql', state: 'up' });
      assert.equal(answer.body.checks.events!.kind, 'redis');
      assert.match(answer.body.checks.events!.detail ?? '', new RegExp(`127\\.0\\.0\\.1:${redis!.port}`));
      assert.equal((await call(app, 'GET', '/api/tasks/')).status, 200, `${app.name}'s API answers`);
    }

    // Several writes, and time for several failed reconnections: the logs must still say it once.
    const written = [];
    for (let i = 0; i < 5; i++) {
      const created = await call<{ id: number }>(a, 'POST', '/api/tasks/', { name: `During the outage ${i}`, sprint: sprint.id });
      assert.equal(created.status, 201);
      written.push({ model: 'task', id: created.body.id, action: 'add', body: created.body });
    }
    await onA.receives(5, "A's writes on A's own board");
    assert.deepEqual(onA.received, written);
    await delay(700);

    await redis!.start();
    for (const app of [a, b]) await until(`${app.name} healthy again`, async () => (await health(app)).status === 200, RECOVERY_MS);
    const codes = await Promise.race([Promise.all([onA.closed, onB.closed]), delay(WAIT_MS).then(() => ['not closed'])]);
    assert.deepEqual(codes, [1012, 1012], 'both boards asked to reconnect');
    assert.deepEqual(onB.received, [], "A's writes could not reach B while Redis was down");

    // A board reconnects as the client does: the sprint again, for a fresh channel.
    onA = await openBoard(await channelOf(a, sprint.id));
    onB = await openBoard(await channelOf(b, sprint.id));
    await subscribed('board:models', 2);
    const created = await call<{ id: number }>(b, 'POST', '/api/tasks/', { name: 'After the outage', sprint: sprint.id });
    assert.equal(created.status, 201);
    const event = { model: 'task', id: created.body.id, action: 'add', body: created.body };
    await Promise.all([onA.receives(1), onB.receives(1)]);
    assert.deepEqual([onA.received, onB.received], [[event], [event]]);
    await closeBoards(onA, onB);

    for (const [i, app] of [a, b].entries()) {
      const said = () => app.lines.slice(linesBefore[i]);
      const count = (pattern: RegExp) => said().filter((line) => pattern.test(line)).length;
      // The login-failure counter has a connection of its own, which may reconnect a retry later than the events'.
      await until(`${app.name} logging both recoveries`, () => count(/ is back: /) >= 2, RECOVERY_MS);
      const log = `${app.name}'s log:\n${said().join('\n')}`;
      assert.equal(count(/^Redis at .* unreachable: .*; events reach this process's boards only until it is back$/), 1, log);
      assert.equal(count(/^Redis at .* unreachable: .*; login failures are counted per process until it is back$/), 1, log);
      assert.equal(count(/^Redis at .* is back: events reach every process again$/), 1, log);
      assert.equal(count(/^Redis at .* is back: login failures are counted across processes again$/), 1, log);
      assert.equal(count(/^realtime: asking 1 board\(s\) to reconnect and catch up: /), 1, log);
      assert.equal(count(/Redis/), 4, log);
    }
  });
});

/** The real command, as an operator would run it, on the shared database. */
async function changePassword(username: string, password: string): Promise<void> {
  const run = await runScript('changepassword', [username, '--password-stdin'], { DATABASE_URL: databaseUrl!, DEBUG: 'on' }, `${password}\n`, 20_000);
  if (run.code !== 0) throw new Error(`changepassword exited with ${run.code}: ${run.stdout}${run.stderr}`);
}
