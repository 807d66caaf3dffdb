// Losing PostgreSQL and getting it back: a board on a PostgreSQL server of
// this test's own, which the test stops and starts again. Meanwhile the app
// answers 503 with a message (never 500), /healthz says what is down, the
// outage is logged once, and everything works again without a restart.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { promisify } from 'node:util';
import { startApp, tempDir, type Running } from './helpers.ts';
import { POSTGRES_UNAVAILABLE } from './services.ts';

const run = promisify(execFile);
const bin = readdirSync('/usr/lib/postgresql', { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => path.join('/usr/lib/postgresql', entry.name, 'bin'))
  .filter((dir) => existsSync(path.join(dir, 'initdb')))
  .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
  .at(-1);

/** PostgreSQL refuses to run as root: commands go through the postgres user then. */
const asPostgres = (command: string, args: string[]) =>
  process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', path.join(bin!, command), ...args]) : run(path.join(bin!, command), args);

let dir: string;
let port: number;
let app: Running;
const pgctl = (action: 'start' | 'stop') =>
  asPostgres('pg_ctl', ['-D', path.join(dir, 'data'), '-w', '-t', '20', '-l', path.join(dir, 'log'), ...(action === 'stop' ? ['-m', 'fast'] : []),
    ...(action === 'start' ? ['-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`] : []), action]);

const health = async () => {
  const reply = await fetch(`${app.url}/healthz`);
  return { status: reply.status, body: (await reply.json()) as { status: string; checks: Record<string, { state: string; detail?: string }> } };
};

async function eventually(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const skip = !bin ? (process.env.CI ? false : POSTGRES_UNAVAILABLE) : false;

before(async () => {
  if (skip) return;
  if (!bin) throw new Error(`${POSTGRES_UNAVAILABLE}. In CI this is an error: .ci/run must install it.`);
  dir = tempDir('lightweight-pg-');
  if (process.getuid?.() === 0) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), 0);
  await asPostgres('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8']);
  port = 20_000 + Math.floor(Math.random() * 20_000);
  await pgctl('start');
  app = await startApp({ SERVICES: 'board', DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres` });
});

after(async () => {
  if (skip) return;
  await app?.close();
  await pgctl('stop').catch(() => {});
});

it('answers 503 while PostgreSQL is down, says so in /healthz and the log once, and recovers by itself', { skip, timeout: 90_000 }, async () => {
  const auth = { Authorization: `Basic ${Buffer.from('demo:test').toString('base64')}` };
  assert.deepEqual(await health(), { status: 200, body: { status: 'ok', checks: { database: { kind: 'postgresql', state: 'up' }, events: { kind: 'in-process', state: 'up' } } } });
  assert.equal((await fetch(`${app.url}/api/tasks/`, { headers: auth })).status, 200);

  await pgctl('stop');
  const down = await health();
  assert.equal(down.status, 503);
  assert.equal(down.body.status, 'unavailable');
  assert.equal(down.body.checks.database!.state, 'down');
  assert.ok(!down.body.checks.database!.detail?.includes('postgres@'), 'no credentials in the detail');
  for (let i = 0; i < 5; i++) {
    const reply = await fetch(`${app.url}/api/tasks/`, { headers: auth });
    assert.equal(reply.status, 503, 'the cache does not pretend: the list needs the database');
    assert.equal(reply.headers.get('retry-after'), '5');
    assert.match(((await reply.json()) as { detail: string }).detail, /^The board's database is unavailable right now \(.+\)\. Try again in a moment\.$/);
  }
  const create = await fetch(`${app.url}/api/tasks/`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'while down' }) });
  assert.equal(create.status, 503);
  assert.equal(app.logs.filter((line) => line.includes('unreachable')).length, 1, app.logs.join('\n'));

  await pgctl('start');
  await eventually('/healthz is 200 again', async () => (await health()).status === 200);
  await eventually('the API answers again', async () => (await fetch(`${app.url}/api/tasks/`, { headers: auth })).status === 200);
  const after = await fetch(`${app.url}/api/tasks/`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'after' }) });
  assert.equal(after.status, 201);
  assert.ok(app.logs.some((line) => line.includes('is back')), app.logs.join('\n'));
});
