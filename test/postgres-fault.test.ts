// Losing PostgreSQL and getting it back: a board on a PostgreSQL server of
// this test's own, which the test stops and starts again. Meanwhile the app
// answers 503 with a message (never 500), /healthz says what is down, the
// outage is logged once, and everything works again without a restart.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startApp, until, type Running } from './helpers.ts';
import { POSTGRES_UNAVAILABLE, startPostgresServer, type PostgresServer } from './services.ts';

let postgres: PostgresServer | null;
let app: Running;

const health = async () => {
  const reply = await fetch(`${app.url}/healthz`);
  return { status: reply.status, body: (await reply.json()) as { status: string; checks: Record<string, { state: string; detail?: string }> } };
};

/** Waits for recovery: bounded at 15 s, polling every 100 ms. */
const eventually = (what: string, check: () => Promise<boolean>) => until(what, check, 15_000, 100);

before(async () => {
  postgres = await startPostgresServer();
  if (postgres) app = await startApp({ SERVICES: 'board', DATABASE_URL: postgres.url });
});

after(async () => {
  await app?.close();
  await postgres?.close();
});

it('answers 503 while PostgreSQL is down, says so in /healthz and the log once, and recovers by itself', { timeout: 90_000 }, async (t) => {
  if (!postgres) return t.skip(POSTGRES_UNAVAILABLE);
  const auth = { Authorization: `Basic ${Buffer.from('demo:test').toString('base64')}` };
  assert.deepEqual(await health(), { status: 200, body: { status: 'ok', checks: { database: { kind: 'postgresql', state: 'up' }, events: { kind: 'in-process', state: 'up' } } } });
  assert.equal((await fetch(`${app.url}/api/tasks/`, { headers: auth })).status, 200);

  await postgres.stop();
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

  await postgres.start();
  await eventually('/healthz is 200 again', async () => (await health()).status === 200);
  await eventually('the API answers again', async () => (await fetch(`${app.url}/api/tasks/`, { headers: auth })).status === 200);
  const after = await fetch(`${app.url}/api/tasks/`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'after' }) });
  assert.equal(after.status, 201);
  assert.ok(app.logs.some((line) => line.includes('is back')), app.logs.join('\n'));
});
