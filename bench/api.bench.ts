// `npm run bench -- api`: the board's REST API on a database of 1000 tasks,
// with token authentication: the 25-task list page, one task, and creating
// tasks. Each is compared with a bare node:http server answering a fixed
// body of the same size in the same run, and with the book's DRF API
// (gunicorn, 2 workers, SQLite, measured on this kind of machine). Basic
// authentication is measured too: its verified-credentials cache must spare
// a client that keeps sending the same credentials a password hash per request.
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { openStore } from '../src/board/db.ts';
import { createUser } from '../src/board/users.ts';
import { fmt, load, report, ROOT, startBareServer, startServer, type LoadOptions, type LoadResult } from './lib.ts';

const TASKS = 1000;
/** The book's DRF API, requests per second, and the multiple we aim for. */
const DRF = {
  list: { rps: 222, goal: 20 },
  detail: { rps: 894, goal: 10 },
  create: { rps: 340, goal: 10 },
  basic: { rps: 27, goal: 20 },
};

async function seed(databasePath: string): Promise<{ token: string; taskId: number }> {
  const store = openStore(databasePath);
  await createUser(store, { username: 'bench', password: 'bench-password' });
  const user = store.get('user', 'username', 'bench')!;
  const result = await store.write(() => {
    const sprint = store.insert('sprint', { name: 'Bench sprint', description: '', end: '2999-12-31' });
    let last = 0;
    for (let i = 0; i < TASKS; i++) {
      last = store.insert('task', {
        name: `Task ${i}`,
        description: `Description of task ${i}, long enough to look like a real one.`,
        sprint: i % 2 ? sprint.id : null,
        status: i % 2 ? 2 : 1,
        order: i % 100,
        assigned: i % 3 ? user.id : null,
        started: i % 2 ? '2024-01-01' : null,
        due: '2999-01-01',
        completed: null,
      }).id;
    }
    return { token: store.tokenFor(user.id, () => 'b'.repeat(40)), taskId: last };
  });
  await store.close();
  return result;
}

/** The same load against the app and against a bare server answering the app's bytes. */
async function compare(name: string, url: string, options: LoadOptions, drf: { rps: number; goal: number }): Promise<void> {
  const sample = await fetch(url, { method: options.method ?? 'GET', headers: options.headers, body: options.body });
  const body = Buffer.from(await sample.arrayBuffer());
  if (!sample.ok) throw new Error(`${name}: ${sample.status} ${body.toString().slice(0, 200)}`);
  const bare = await startBareServer(body, { 'Content-Type': sample.headers.get('content-type') ?? 'application/json' });
  let baseline: LoadResult;
  let result: LoadResult;
  try {
    // A second of warm-up each: JIT, connection pools, caches.
    await load(bare.url, { ...options, duration: 1 });
    baseline = await load(bare.url, options);
    await load(url, { ...options, duration: 1 });
    result = await load(url, options);
  } finally {
    await bare.stop();
  }
  report(`bare node:http, ${body.length} bytes`, baseline);
  report(name, result, baseline);
  const multiple = result.requestsPerSecond / drf.rps;
  console.log(`${''.padEnd(44)} ${fmt(multiple, 1)}x the book's DRF API (${drf.rps} req/s); goal ${drf.goal}x ${multiple >= drf.goal ? 'met' : 'NOT met'}`);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lightweight-bench-'));
  const databasePath = path.join(dir, 'board.sqlite3');
  try {
    const { token, taskId } = await seed(databasePath);
    const app = await startServer(path.join(ROOT, 'bench/servers/app.ts'), {
      DATABASE_PATH: databasePath,
      SERVICES: 'board',
      DEBUG: 'off',
      SECRET_KEY: 'bench-secret-key-that-is-long-enough-to-pass',
    });
    try {
      const tokenAuth = { Authorization: `Token ${token}`, Accept: 'application/json' };
      const basicAuth = { Authorization: `Basic ${Buffer.from('bench:bench-password').toString('base64')}`, Accept: 'application/json' };
      const createBody = JSON.stringify({ name: 'Benchmarked task', description: 'created under load', order: 1 });
      const jsonPost = { ...tokenAuth, 'Content-Type': 'application/json' };

      await compare(`GET /api/tasks/ (25 of ${TASKS}, token)`, `${app.url}/api/tasks/`, { headers: tokenAuth }, DRF.list);
      await compare(`GET /api/tasks/<id>/ (token)`, `${app.url}/api/tasks/${taskId}/`, { headers: tokenAuth }, DRF.detail);
      await compare(`GET /api/tasks/ (25 of ${TASKS}, Basic)`, `${app.url}/api/tasks/`, { headers: basicAuth }, DRF.basic);
      await compare('POST /api/tasks/ (token)', `${app.url}/api/tasks/`, { method: 'POST', headers: jsonPost, body: createBody }, DRF.create);
    } finally {
      await app.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
