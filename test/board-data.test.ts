// Moving a board between databases: `npm run export` writes everything as
// JSON, `npm run import` loads it into an empty board on either engine (ids,
// password hashes and tokens included), and the API then answers the same
// bytes. `npm run migrate` prepares a database ahead of the app, even when
// run several times at once.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MIGRATIONS } from '../src/board/migrations.ts';
import { runScript, startApp, tempDir, type Running } from './helpers.ts';
import { POSTGRES_UNAVAILABLE, postgresDatabase } from './services.ts';

const sqlite = () => ({ DATABASE_PATH: path.join(tempDir(), 'board.sqlite3') });
const READS = [
  '/api/users/',
  '/api/sprints/',
  '/api/tasks/?ordering=due',
  '/api/tasks/?search=caf%C3%A9',
  '/api/tasks/?backlog=True',
  '/api/users/demo/',
  // History, the deleted task's included.
  '/api/sprints/1/history/',
  '/api/tasks/4/history/',
  '/api/tasks/1/history/',
];

let source: Record<string, string>;
let token: string;
let exported: string;
/** Each READ as the source board answered it, with its origin and channel signatures taken out. */
const answers = new Map<string, string>();

async function read(app: Running, url: string, auth: string): Promise<string> {
  const reply = await fetch(`${app.url}${url}`, { headers: { Authorization: auth } });
  assert.equal(reply.status, 200, url);
  // Channel signatures carry their expiry time; everything else must match exactly.
  return (await reply.text()).replaceAll(app.url, 'ORIGIN').replaceAll(`ws://127.0.0.1:${app.port}`, 'WS').replace(/channel=[^"]+/g, 'channel=SIGNED');
}

before(async () => {
  source = sqlite();
  const app = await startApp({ SERVICES: 'board', SECRET_KEY: 'k'.repeat(40), ...source });
  try {
    token = ((await (await fetch(`${app.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'test' }) })).json()) as { token: string }).token;
    const post = async (url: string, body: unknown) => {
      const reply = await fetch(`${app.url}${url}`, { method: 'POST', headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(reply.status, 201, await reply.clone().text());
      return (await reply.json()) as { id: number };
    };
    const sprint = await post('/api/sprints/', { name: 'Launch', end: '2999-06-30', description: 'Ünïcode ✓' });
    await post('/api/tasks/', { name: 'Café menu', sprint: sprint.id, status: 2, started: '2030-01-01', assigned: 'demo', due: '2999-06-01' });
    await post('/api/tasks/', { name: 'Backlog idea', description: 'no sprint yet' });
    await post('/api/tasks/', { name: 'CAFÉ sign', sprint: sprint.id, order: -3 });
    const gone = await post('/api/tasks/', { name: 'Deleted', sprint: sprint.id });
    await fetch(`${app.url}/api/tasks/${gone.id}/`, { method: 'DELETE', headers: { Authorization: `Token ${token}` } });
    for (const url of READS) answers.set(url, await read(app, url, `Token ${token}`));
  } finally {
    await app.close();
  }
  const out = await runScript('export', [], source);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stderr, /Exported 1 users, 1 sprints, 3 tasks, 1 tokens, 5 history entries/);
  exported = out.stdout;
});

const targets: Array<{ engine: string; database: () => Promise<Record<string, string> | null> }> = [
  { engine: 'SQLite', database: async () => sqlite() },
  { engine: 'PostgreSQL', database: async () => ((url) => (url ? { DATABASE_URL: url } : null))(await postgresDatabase()) },
];

for (const { engine, database } of targets) {
  describe(`import into ${engine}`, () => {
    let target: Record<string, string> | null;
    before(async () => {
      target = await database();
    });

    it('answers the same bytes as the board it came from; logins, tokens and new ids carry on', async (t) => {
      if (!target) return t.skip(POSTGRES_UNAVAILABLE);
      const imported = await runScript('import', [], target, exported);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /Imported 1 users, 1 sprints, 3 tasks \(5 history entries\) and 1 tokens/);
      const app = await startApp({ SERVICES: 'board', SECRET_KEY: 'k'.repeat(40), ...target });
      try {
        for (const url of READS) assert.equal(await read(app, url, `Token ${token}`), answers.get(url), url);
        const basic = `Basic ${Buffer.from('demo:test').toString('base64')}`;
        assert.equal(await read(app, '/api/tasks/?ordering=due', basic), answers.get('/api/tasks/?ordering=due'), 'the password hash came along');
        const created = await fetch(`${app.url}/api/tasks/`, { method: 'POST', headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'After the move' }) });
        assert.equal(created.status, 201);
        assert.equal(((await created.json()) as { id: number }).id, 5, 'new rows continue after the largest imported id, never reusing the deleted one');
      } finally {
        await app.close();
      }
    });

    it('refuses to import into a board that has data, changing nothing', async (t) => {
      if (!target) return t.skip(POSTGRES_UNAVAILABLE);
      const again = await runScript('import', [], target, exported);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^Error: the board at .+ is not empty \(1 users, 1 sprints, 4 tasks, 1 tokens, 6 task_history\)\. Import into a new, empty database/);
    });

    it('imports an export from before points, labels and comments: tasks without points, sprints without limits', async (t) => {
      const target = await database();
      if (!target) return t.skip(POSTGRES_UNAVAILABLE);
      const data = JSON.parse(exported) as Record<string, any>;
      data.version = 2;
      for (const table of ['labels', 'task_labels', 'comments']) delete data[table];
      delete data.next_ids.labels;
      delete data.next_ids.comments;
      for (const sprint of data.sprints) delete sprint.wip_limits;
      for (const task of data.tasks) delete task.points;
      for (const entry of data.task_history) delete entry.points;
      const imported = await runScript('import', [], target, JSON.stringify(data));
      assert.equal(imported.code, 0, imported.stderr);
      const app = await startApp({ SERVICES: 'board', ...target });
      try {
        const get = async (url: string) => (await (await fetch(`${app.url}${url}`, { headers: { Authorization: `Token ${token}` } })).json()) as any;
        const task = await get('/api/tasks/1/');
        assert.deepEqual([task.points, task.labels], [null, []]);
        assert.deepEqual((await get('/api/sprints/1/')).wip_limits, { 1: null, 2: null, 3: null, 4: null });
        assert.equal((await get('/api/tasks/1/history/')).count, data.task_history.filter((entry: any) => entry.task_id === 1).length);
      } finally {
        await app.close();
      }
    });

    it('imports an export from before task history, beginning each task\'s history by nobody', async (t) => {
      const target = await database();
      if (!target) return t.skip(POSTGRES_UNAVAILABLE);
      const data = JSON.parse(exported) as Record<string, any>;
      delete data.task_history;
      data.version = 1;
      for (const sprint of data.sprints) delete sprint.created;
      const imported = await runScript('import', [], target, JSON.stringify(data));
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /3 tasks \(each task's history begun\)/);
      const app = await startApp({ SERVICES: 'board', ...target });
      try {
        const history = (await (await fetch(`${app.url}/api/tasks/1/history/`, { headers: { Authorization: `Token ${token}` } })).json()) as any;
        assert.equal(history.count, 1);
        assert.deepEqual([history.results[0].action, history.results[0].user, history.results[0].changes.name], ['add', null, [null, 'Café menu']]);
        const sprint = (await (await fetch(`${app.url}/api/sprints/1/`, { headers: { Authorization: `Token ${token}` } })).json()) as any;
        const today = new Date();
        assert.equal(sprint.created, `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`);
      } finally {
        await app.close();
      }
    });
  });
}

describe('import errors', () => {
  it('explains what is wrong with the input, and imports nothing from a bad file', async () => {
    const target = sqlite();
    const cases: Array<[string, RegExp]> = [
      ['not json', /stdin is not JSON/],
      ['{"hello": 1}', /not a board export/],
      ['{"format": "lightweight-board", "version": 4}', /version 4; this app reads versions 1 to 3/],
      ['{"format": "lightweight-board", "version": 3, "users": [], "sprints": [], "tasks": [], "tokens": [], "task_history": []}', /no "labels" list/],
      ['{"format": "lightweight-board", "version": 2, "users": [], "sprints": [], "tasks": [], "tokens": []}', /no "task_history" list/],
      ['{"format": "lightweight-board", "version": 1, "users": []}', /no "sprints" list/],
      [exported.replace('"username"', '"username\\" TEXT); DROP TABLE users; --"'), /nothing was imported: users has no column/],
      [exported.replace(/"sprint_id": 1/g, '"sprint_id": 99'), /nothing was imported/],
    ];
    for (const [input, message] of cases) {
      const result = await runScript('import', [], target, input);
      assert.equal(result.code, 1, input.slice(0, 60));
      assert.match(result.stderr, message);
    }
    const empty = await runScript('export', [], target);
    assert.match(empty.stderr, /Exported 0 users, 0 sprints, 0 tasks, 0 tokens, 0 history entries/, 'the failed imports left nothing behind');
  });
});

describe('npm run migrate', () => {
  it('prepares a PostgreSQL database, several at once, then the app starts on it', async (t) => {
    const url = await postgresDatabase();
    if (!url) return t.skip(POSTGRES_UNAVAILABLE);
    const runs = await Promise.all([1, 2, 3].map(() => runScript('migrate', [], { DATABASE_URL: url })));
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`Board database \\(postgresql, 127\\.0\\.0\\.1:\\d+/lw_test_\\w+\\) is up to date: ${MIGRATIONS.length} migrations applied\\.`));
    }
    const app = await startApp({ SERVICES: 'board', DATABASE_URL: url });
    await app.close();
  });

  it('says what to do when the server cannot be reached', async () => {
    const run = await runScript('migrate', [], { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/board' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Error: Cannot reach PostgreSQL at 127\.0\.0\.1:1\/board \(connect ECONNREFUSED .+\)\. Check DATABASE_URL and that the server is running\./);
    assert.ok(!run.stderr.includes('secret'), 'never the password');
  });
});
