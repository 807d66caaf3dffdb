// A 2xx means the change is on disk: the app is killed with SIGKILL in the
// middle of a flood of creates, restarted on the same database, and must
// still have every task whose create it acknowledged.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { ROOT } from '../src/settings.ts';
import { tempDir } from './helpers.ts';

const WORKERS = 8;
const KILL_AFTER_ACKNOWLEDGED = 300;
const MAX_REQUESTS = 3000;

/** `node --import tsx app.ts` serving the board on a free port; resolves once it listens. */
async function startServer(database: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', SERVICES: 'board', DATABASE_PATH: database, DEBUG: 'on' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error('the app did not start within 30 s')), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Lightweight serving .* at http:\/\/[^:]+:(\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`the app exited with ${code} before listening`)));
  });
  child.stdout!.resume();
  return { child, url: `http://127.0.0.1:${port}` };
}

it('keeps every acknowledged create through a SIGKILL', { timeout: 120_000 }, async () => {
  const database = path.join(tempDir(), 'board.sqlite3');
  const first = await startServer(database);
  const login = await fetch(`${first.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'test' }) });
  const { token } = (await login.json()) as { token: string };
  const headers = { Authorization: `Token ${token}`, 'Content-Type': 'application/json' };

  const acknowledged = new Map<number, string>();
  let sent = 0;
  let killed = false;
  const exited = new Promise((resolve) => first.child.once('exit', resolve));
  const worker = async (w: number) => {
    while (!killed && sent < MAX_REQUESTS) {
      const name = `flood ${w}-${sent++}`;
      try {
        const reply = await fetch(`${first.url}/api/tasks/`, { method: 'POST', headers, body: JSON.stringify({ name }) });
        if (reply.status === 201) acknowledged.set(((await reply.json()) as { id: number }).id, name);
      } catch {
        // Cut off by the kill: never acknowledged, so it may or may not be stored.
      }
      if (!killed && acknowledged.size >= KILL_AFTER_ACKNOWLEDGED) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  await exited;
  assert.ok(killed, `killed mid-flood (${acknowledged.size} acknowledged of ${sent} sent)`);

  const second = await startServer(database);
  try {
    const stored = new Map<number, string>();
    for (let url: string | null = `${second.url}/api/tasks/?page_size=100&search=flood`; url; ) {
      const page = (await (await fetch(url, { headers })).json()) as { next: string | null; results: Array<{ id: number; name: string }> };
      for (const task of page.results) stored.set(task.id, task.name);
      url = page.next;
    }
    const lost = [...acknowledged].filter(([id, name]) => stored.get(id) !== name);
    assert.deepEqual(lost, [], `${lost.length} acknowledged creates were lost`);
    assert.ok(stored.size >= acknowledged.size);
  } finally {
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  }
});
