// The /socket websocket with a plain `ws` client: who gets in, what is
// forwarded to whom, and how misbehaving sockets are cut off.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocket, type ClientOptions } from 'ws';
import { createBoard } from '../src/board/index.ts';
import { signChannel } from '../src/realtime/channel.ts';
import { createRealtime, type Limits, type Realtime } from '../src/realtime/index.ts';
import { createLocalPubSub, MODEL_EVENTS_TOPIC, type ModelEvent, type PubSub } from '../src/realtime/pubsub.ts';
import { loadSettings } from '../src/settings.ts';
import { tempDir } from './helpers.ts';

const SECRET = 'a test secret that is long enough to be real';
const WAIT_MS = 5000;

interface Server {
  realtime: Realtime;
  pubsub: PubSub;
  logs: string[];
  /** ws://127.0.0.1:<port>/socket?channel=<fresh channel of the sprint> */
  socketUrl(sprintId: number): string;
  base: string;
  close(): Promise<void>;
}

/** A bare node:http server with only the realtime part attached, as app.ts will do. */
async function startServer(limits: Partial<Limits> = {}, pubsub: PubSub = createLocalPubSub()): Promise<Server> {
  const settings = loadSettings({ SECRET_KEY: SECRET, ALLOWED_HOSTS: 'localhost,127.0.0.1', CSRF_TRUSTED_ORIGINS: 'https://admin.example.com' });
  const logs: string[] = [];
  const realtime = createRealtime({ settings, log: (line) => logs.push(line), pubsub, limits });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  realtime.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    realtime,
    pubsub,
    logs,
    base,
    socketUrl: (sprintId) => `${base}/socket?channel=${encodeURIComponent(signChannel(SECRET, sprintId))}`,
    close: async () => {
      await realtime.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const within = <T>(promise: Promise<T>, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS).unref()),
  ]);

interface Board {
  ws: WebSocket;
  /** The next message received, parsed. */
  next(): Promise<unknown>;
  send(value: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
  pings: number;
}

async function connect(url: string, options: ClientOptions = {}): Promise<Board> {
  const ws = new WebSocket(url, options);
  const queue: unknown[] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (data) => {
    queue.push(JSON.parse(String(data)));
    wake?.();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const board: Board = {
    ws,
    closed,
    pings: 0,
    send: (value) => ws.send(typeof value === 'string' ? value : JSON.stringify(value)),
    next: () =>
      within(
        (async () => {
          while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          return queue.shift();
        })(),
        'message',
      ),
  };
  ws.on('ping', () => board.pings++);
  await within(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 'open');
  return board;
}

/** The HTTP answer to an upgrade the server turns away. */
function refusal(url: string, headers: Record<string, string> = {}): Promise<{ status: number; detail: string }> {
  return within(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.on('open', () => {
        ws.terminate();
        reject(new Error(`${url} was accepted`));
      });
      ws.on('error', reject);
      ws.on('unexpected-response', (_request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, detail: (JSON.parse(body) as { detail: string }).detail }));
      });
    }),
    'refusal',
  );
}

const modelEvent = (id: number, body: unknown = { id, name: `Task ${id}` }): ModelEvent => ({ model: 'task', id, action: 'update', body });

describe('who may connect', () => {
  let server: Server;
  before(async () => (server = await startServer()));
  after(() => server.close());

  it('refuses a missing channel with 400', async () => {
    const { status, detail } = await refusal(`${server.base}/socket`);
    assert.equal(status, 400);
    assert.match(detail, /channel parameter is missing/);
  });

  it('refuses forged, tampered and expired channels with 403', async () => {
    const genuine = signChannel(SECRET, 1);
    const [, timestamp, signature] = genuine.split(':');
    const channels = {
      forged: signChannel('another secret entirely, not ours', 1),
      tampered: `2:${timestamp}:${signature}`,
      expired: signChannel(SECRET, 1, Date.now() - 31 * 60 * 1000),
      junk: 'sprint-1',
    };
    for (const [kind, channel] of Object.entries(channels)) {
      const { status, detail } = await refusal(`${server.base}/socket?channel=${encodeURIComponent(channel)}`);
      assert.equal(status, 403, kind);
      assert.match(detail, /forged or older than 30 minutes/, kind);
    }
  });

  it('refuses an Origin other than its own (scheme, host and port), a cross-site browser, and a bad Host', async () => {
    const url = server.socketUrl(1);
    const port = new URL(server.base).port;
    const foreign = ['http://evil.example', 'null', 'http://localhost.evil.example', `http://127.0.0.1:${Number(port) + 1}`, `https://127.0.0.1:${port}`, `http://localhost:${port}`];
    for (const origin of foreign) {
      const { status, detail } = await refusal(url, { Origin: origin });
      assert.equal(status, 403, origin);
      assert.match(detail, /may not open the board's websocket: Origin .* (does not match "http:\/\/127\.0\.0\.1:\d+"|is not an origin)/);
    }
    const sameSite = await refusal(url, { Origin: `http://127.0.0.1:${port}`, 'Sec-Fetch-Site': 'same-site' });
    assert.equal(sameSite.status, 403);
    assert.match(sameSite.detail, /marked it same-site/);
    assert.equal((await refusal(url, { Host: 'evil.example' })).status, 400);
  });

  it('refuses an absolute-form request target naming a host not allowed', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const address = new URL(server.base);
      const req = request({ host: address.hostname, port: address.port, path: `http://evil.example/socket?channel=${signChannel(SECRET, 1)}`, headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13' } });
      req.on('response', (response) => resolve(response.statusCode ?? 0));
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 400);
  });

  it('answers 404 to upgrades of other paths', async () => {
    assert.equal((await refusal(`${server.base}/elsewhere?channel=${signChannel(SECRET, 1)}`)).status, 404);
  });

  it('subscribed nothing for the refused ones, and logged them', () => {
    const stats = server.realtime.stats();
    assert.equal(stats.connections, 0);
    assert.equal(stats.sprints, 0);
    assert.ok(stats.refused >= 10);
    assert.ok(server.logs.some((line) => /refused .* 403 The channel is forged/.test(line)));
  });

  it('accepts a fresh channel from its own origin, a trusted one, or a client without one', async () => {
    const own = `http://127.0.0.1:${new URL(server.base).port}`;
    const browser = await connect(server.socketUrl(1), { headers: { Origin: own, 'Sec-Fetch-Site': 'same-origin' } });
    const script = await connect(server.socketUrl(2));
    const trusted = await connect(server.socketUrl(3), { headers: { Origin: 'https://admin.example.com', 'Sec-Fetch-Site': 'cross-site' } });
    assert.deepEqual(server.realtime.stats().connections, 3);
    assert.deepEqual(server.realtime.stats().sprints, 3);
    for (const board of [browser, script, trusted]) board.ws.close();
    await Promise.all([browser.closed, script.closed, trusted.closed]);
  });
});

describe('messages', () => {
  let server: Server;
  before(async () => (server = await startServer()));
  after(() => server.close());

  it('sends every API write to every board, body unchanged', async () => {
    const [a, b] = await Promise.all([connect(server.socketUrl(1)), connect(server.socketUrl(2))]);
    const event = modelEvent(3, { id: 3, name: 'Write the tests', status: 2, sprint: 1, links: { self: '/api/tasks/3' } });
    server.pubsub.publish(MODEL_EVENTS_TOPIC, JSON.stringify(event));
    assert.deepEqual(await a.next(), event);
    assert.deepEqual(await b.next(), event);
    a.ws.close();
    b.ws.close();
  });

  it('forwards client events to the other boards of the sprint only, never back to the sender', async () => {
    const [a1, a2, other] = await Promise.all([connect(server.socketUrl(1)), connect(server.socketUrl(1)), connect(server.socketUrl(2))]);
    a1.send({ model: 'task', id: 7, action: 'dragstart', extra: 'dropped on the way' });
    assert.deepEqual(await a2.next(), { model: 'task', id: 7, action: 'dragstart' });
    a2.send({ model: 'task', id: 7, action: 'drop' });
    // Had a1 been sent its own dragstart, it would have been queued before a2's drop.
    assert.deepEqual(await a1.next(), { model: 'task', id: 7, action: 'drop' });
    // Likewise sprint 2 would have had both before this API write.
    server.pubsub.publish(MODEL_EVENTS_TOPIC, JSON.stringify(modelEvent(8)));
    assert.deepEqual(await other.next(), modelEvent(8));
    for (const board of [a1, a2, other]) board.ws.close();
  });

  it('ignores and logs garbage, keeping the connection', async () => {
    const [sender, receiver] = await Promise.all([connect(server.socketUrl(3)), connect(server.socketUrl(3))]);
    const garbage = [
      'not json',
      '[1, 2]',
      JSON.stringify({ model: 'sprint', id: 1, action: 'drop' }),
      JSON.stringify({ model: 'task', id: '7', action: 'drop' }),
      JSON.stringify({ model: 'task', id: -1, action: 'drop' }),
      JSON.stringify({ model: 'task', id: 7, action: 'remove' }),
    ];
    for (const text of garbage) sender.send(text);
    sender.ws.send(Buffer.from([1, 2, 3]));
    sender.send({ model: 'task', id: 9, action: 'dragend' });
    assert.deepEqual(await receiver.next(), { model: 'task', id: 9, action: 'dragend' });
    assert.equal(sender.ws.readyState, WebSocket.OPEN);
    assert.equal(server.realtime.stats().garbage, garbage.length + 1);
    assert.ok(server.logs.some((line) => line.includes('ignored garbage') && line.includes('text that is not JSON: "not json"')));
    assert.ok(server.logs.some((line) => line.includes('action "remove"; expected one of dragstart, dragend, drop')));
    assert.ok(server.logs.some((line) => line.includes('a binary frame of 3 bytes')));
    sender.ws.close();
    receiver.ws.close();
  });

  it('closes with 1009 on a message over the size limit', async () => {
    const board = await connect(server.socketUrl(4));
    board.send('x'.repeat(10_000));
    assert.equal((await within(board.closed, 'close')).code, 1009);
  });
});

describe('limits', () => {
  it('logs a bounded number of lines for a stream of garbage, then a summary', async (t) => {
    const server = await startServer();
    t.after(() => server.close());
    const board = await connect(server.socketUrl(1));
    const witness = await connect(server.socketUrl(1));
    for (let i = 0; i < 25; i++) board.send(`garbage ${i}`);
    board.send({ model: 'task', id: 2, action: 'drop' }); // read after all the garbage
    assert.deepEqual(await witness.next(), { model: 'task', id: 2, action: 'drop' });
    await server.close();
    assert.equal(server.logs.filter((line) => line.includes('ignored garbage')).length, 10);
    assert.ok(server.logs.includes('realtime: 15 more garbage messages not logged in the last 60 s'), server.logs.join('\n'));
  });

  it('disconnects a client that floods with messages (1008)', async (t) => {
    const server = await startServer({ messagesPerSecond: 5, messageBurst: 10 });
    t.after(() => server.close());
    const flooder = await connect(server.socketUrl(1));
    for (let i = 1; i <= 200; i++) flooder.send({ model: 'task', id: i, action: 'dragstart' });
    const { code, reason } = await within(flooder.closed, 'close');
    assert.equal(code, 1008);
    assert.equal(reason, 'Too many messages');
    assert.equal(server.realtime.stats().dropped.flooding, 1);
  });

  it('drops a reader that stops reading, while the others keep receiving', async (t) => {
    const server = await startServer({ maxBufferedBytes: 256 * 1024 });
    t.after(() => server.close());
    const slow = await connect(server.socketUrl(1));
    const fast = await connect(server.socketUrl(1));
    slow.ws.pause(); // reads nothing more: the kernel buffers fill, then the server's queue
    const body = { description: 'x'.repeat(256 * 1024) };
    let sent = 0;
    while (server.realtime.stats().dropped.slow === 0 && sent < 400) {
      sent++;
      server.pubsub.publish(MODEL_EVENTS_TOPIC, JSON.stringify(modelEvent(sent, body)));
      assert.equal(((await fast.next()) as ModelEvent).id, sent, 'the fast reader gets every event, in order');
    }
    assert.equal(server.realtime.stats().dropped.slow, 1, `still connected after ${sent} events of 256 KiB`);
    server.pubsub.publish(MODEL_EVENTS_TOPIC, JSON.stringify(modelEvent(1000)));
    assert.deepEqual(await fast.next(), modelEvent(1000));
    assert.ok(server.logs.some((line) => line.includes('dropped slow reader')));
    slow.ws.terminate();
  });

  it('pings idle sockets and drops those that do not answer', async (t) => {
    const server = await startServer({ heartbeatMs: 50 });
    t.after(() => server.close());
    const alive = await connect(server.socketUrl(1));
    const dead = await connect(server.socketUrl(1), { autoPong: false });
    assert.equal((await within(dead.closed, 'close')).code, 1006);
    assert.equal(server.realtime.stats().dropped.dead, 1);
    assert.ok(alive.pings >= 1, 'the live socket was pinged too');
    assert.equal(alive.ws.readyState, WebSocket.OPEN);
    assert.ok(server.logs.some((line) => line.includes('no answer to ping')));
  });

  it('refuses connections beyond the limit with 503', async (t) => {
    const server = await startServer({ maxConnections: 1 });
    t.after(() => server.close());
    const first = await connect(server.socketUrl(1));
    assert.equal((await refusal(server.socketUrl(1))).status, 503);
    first.ws.close();
    await first.closed;
  });

  it('says goodbye (1001) to every board on close', async (t) => {
    const server = await startServer();
    t.after(() => server.close());
    const boards = await Promise.all([1, 2].map((sprint) => connect(server.socketUrl(sprint))));
    await server.close();
    for (const board of boards) assert.equal((await board.closed).code, 1001);
    assert.deepEqual(server.realtime.stats(), { connections: 0, sprints: 0, refused: 0, garbage: 0, dropped: { slow: 0, flooding: 0, dead: 0 } });
  });
});

describe('several processes on one pubsub', () => {
  it('reaches boards of the sprint on the other process and still skips the sender', async (t) => {
    const pubsub = createLocalPubSub(); // stands in for a shared (Redis) transport
    const [one, two] = await Promise.all([startServer({}, pubsub), startServer({}, pubsub)]);
    t.after(() => Promise.all([one.close(), two.close()]));
    const here = await connect(one.socketUrl(5));
    const there = await connect(two.socketUrl(5));
    here.send({ model: 'task', id: 4, action: 'dragstart' });
    assert.deepEqual(await there.next(), { model: 'task', id: 4, action: 'dragstart' });
    there.send({ model: 'task', id: 4, action: 'dragend' });
    assert.deepEqual(await here.next(), { model: 'task', id: 4, action: 'dragend' });
  });
});

describe('API writes', () => {
  let origin: string;
  let token: string;
  let stop: () => Promise<void>;

  before(async () => {
    const settings = loadSettings({ SECRET_KEY: SECRET, DATABASE_PATH: path.join(tempDir(), 'board.sqlite3') });
    const log = () => {};
    const board = await createBoard({ settings, log });
    const realtime = createRealtime({ settings, log, pubsub: board.pubsub });
    const app = new Hono().route('/api', board.api);
    const server = await new Promise<http.Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as http.Server)) as http.Server;
    });
    realtime.attach(server);
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stop = async () => {
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await board.close();
    };
    const login = await fetch(`${origin}/api/token/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'demo', password: 'test' }),
    });
    token = ((await login.json()) as { token: string }).token;
  });
  after(() => stop());

  const api = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(new URL(url, origin), {
      method,
      headers: { Authorization: `Token ${token}`, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: response.status === 204 ? null : ((await response.json()) as { id: number; links: { self: string; channel: string } }) };
  };

  it("reach a board as the API's own representation", async () => {
    const sprint = await api('POST', '/api/sprints/', { name: 'Live', end: '2099-12-31' });
    assert.equal(sprint.status, 201);
    const board = await connect(sprint.body!.links.channel, { headers: { Origin: origin } });

    const task = await api('POST', '/api/tasks/', { name: 'Live task', sprint: sprint.body!.id });
    assert.equal(task.status, 201);
    assert.deepEqual(await board.next(), { model: 'task', id: task.body!.id, action: 'add', body: task.body });

    const renamed = await api('PATCH', sprint.body!.links.self, { name: 'Renamed' });
    assert.equal(renamed.status, 200);
    assert.deepEqual(await board.next(), { model: 'sprint', id: sprint.body!.id, action: 'update', body: renamed.body });

    const current = await api('GET', task.body!.links.self);
    assert.equal((await api('DELETE', task.body!.links.self)).status, 204);
    assert.deepEqual(await board.next(), { model: 'task', id: task.body!.id, action: 'remove', body: current.body });
    board.ws.close();
  });
});
