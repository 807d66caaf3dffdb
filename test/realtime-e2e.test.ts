// The websocket of the whole app, with a plain `ws` client: the channel URL a
// sprint's API representation carries lets a board in, forged, tampered and
// expired ones don't, drags reach the other boards only, and every API write
// arrives with exactly the API's representation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { signChannel } from '../src/realtime/channel.ts';
import { startApp, type Running } from './helpers.ts';

const SECRET = 'the secret of the end-to-end websocket tests';
const WAIT_MS = 5000;

let app: Running;
let token: string;
let sprint: { id: number; links: { channel: string } };

async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { Authorization: `Token ${token}`, Accept: 'application/json', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (response.status === 204 ? null : await response.json()) as T };
}

/** A connected board: its socket and every message it received, in order. */
interface Board {
  socket: WebSocket;
  received: Array<Record<string, unknown>>;
  /** The next message not yet taken (waits for it, at most WAIT_MS). */
  next(): Promise<Record<string, unknown>>;
}

function connect(url: string, origin?: string): Promise<Board> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, origin ? { origin } : {});
    const received: Array<Record<string, unknown>> = [];
    let taken = 0;
    const waiting: Array<() => void> = [];
    socket.on('message', (data) => {
      received.push(JSON.parse(String(data)));
      waiting.splice(0).forEach((wake) => wake());
    });
    const next = async () => {
      const deadline = Date.now() + WAIT_MS;
      while (received.length <= taken) {
        if (Date.now() > deadline) throw new Error(`no message within ${WAIT_MS} ms (had ${JSON.stringify(received)})`);
        await new Promise<void>((wake) => {
          waiting.push(wake);
          setTimeout(wake, 100);
        });
      }
      return received[taken++]!;
    };
    socket.once('open', () => resolve({ socket, received, next }));
    socket.once('unexpected-response', (_request, response) => reject(Object.assign(new Error('refused'), { status: response.statusCode })));
    socket.once('error', reject);
  });
}

async function refusedWith(url: string, origin?: string): Promise<number> {
  try {
    const board = await connect(url, origin);
    board.socket.close();
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
  return 101;
}

const socketUrl = (channel: string) => `ws://127.0.0.1:${app.port}/socket?channel=${encodeURIComponent(channel)}`;

before(async () => {
  app = await startApp({ SERVICES: 'board', SECRET_KEY: SECRET });
  const login = await fetch(`${app.url}/api/token/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'demo', password: 'test' }),
  });
  token = ((await login.json()) as { token: string }).token;
  sprint = (await api<typeof sprint>('POST', '/api/sprints/', { name: 'Live', end: '2099-12-31' })).body;
});

after(async () => {
  await app?.close();
});

describe('who may connect through the app', () => {
  it("lets in the sprint's own links.channel, from the page's origin", async () => {
    assert.match(sprint.links.channel, new RegExp(`^ws://127\\.0\\.0\\.1:${app.port}/socket\\?channel=`));
    const board = await connect(sprint.links.channel, app.url);
    board.socket.close();
  });

  it('refuses forged, tampered and expired channels, and foreign origins', async () => {
    const genuine = new URL(sprint.links.channel).searchParams.get('channel')!;
    const [id, timestamp, signature] = genuine.split(':');
    const flipped = signature!.slice(0, -1) + (signature!.endsWith('0') ? '1' : '0');
    assert.equal(await refusedWith(socketUrl(signChannel('another secret', sprint.id))), 403);
    assert.equal(await refusedWith(socketUrl(`${id}:${timestamp}:${flipped}`)), 403);
    assert.equal(await refusedWith(socketUrl(`${Number(id) + 1}:${timestamp}:${signature}`)), 403);
    assert.equal(await refusedWith(socketUrl(signChannel(SECRET, sprint.id, Date.now() - 31 * 60_000))), 403);
    assert.equal(await refusedWith(`ws://127.0.0.1:${app.port}/socket`), 400);
    assert.equal(await refusedWith(sprint.links.channel, 'http://evil.example'), 403);
  });
});

describe('messages through the app', () => {
  it("forwards a board's drag to the other boards of the sprint, not back to it", async () => {
    const dragger = await connect(sprint.links.channel);
    const watcher = await connect(sprint.links.channel);
    try {
      dragger.socket.send(JSON.stringify({ model: 'task', id: 42, action: 'dragstart' }));
      assert.deepEqual(await watcher.next(), { model: 'task', id: 42, action: 'dragstart' });
      // An API write reaches both; had the drag been echoed, the dragger would see it first.
      const created = await api<{ id: number }>('POST', '/api/tasks/', { name: 'Ordering probe', sprint: sprint.id });
      assert.deepEqual(await dragger.next(), { model: 'task', id: created.body.id, action: 'add', body: created.body });
    } finally {
      dragger.socket.close();
      watcher.socket.close();
    }
  });

  it("sends every API write to every board with the API's own representation", async () => {
    const board = await connect(sprint.links.channel);
    try {
      const created = await api<{ id: number }>('POST', '/api/tasks/', { name: 'Live task', sprint: sprint.id });
      assert.equal(created.status, 201);
      assert.deepEqual(await board.next(), { model: 'task', id: created.body.id, action: 'add', body: created.body });

      const updated = await api('PATCH', `/api/tasks/${created.body.id}/`, { status: 2, started: '2099-01-01' });
      assert.equal(updated.status, 200);
      assert.deepEqual(await board.next(), { model: 'task', id: created.body.id, action: 'update', body: updated.body });
      const fetched = await api('GET', `/api/tasks/${created.body.id}/`);
      assert.deepEqual(fetched.body, updated.body);

      assert.equal((await api('DELETE', `/api/tasks/${created.body.id}/`)).status, 204);
      const removed = await board.next();
      assert.deepEqual([removed.model, removed.id, removed.action], ['task', created.body.id, 'remove']);
    } finally {
      board.socket.close();
    }
  });
});
