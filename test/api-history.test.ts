// Task history and sprint burndowns over real HTTP: the entry each kind of
// write records (exact changes), newest-first pages, a deleted task's
// history, a sprint's history including tasks that left it, burndown days
// from history written at set times (the store's clock is set by the test),
// a write failing half-way leaving neither change nor entry, and no 5xx from
// hostile history and burndown URLs. postgres-api.test.ts runs it again on
// PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { localDate } from '../src/board/clock.ts';
import { boardDatabase, openDatabaseReader, startBoard, type DatabaseReader } from './helpers.ts';

let app: Awaited<ReturnType<typeof startBoard>>;
let token: string;
let database: Record<string, string>;
let reader: DatabaseReader;

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

async function call(method: string, url: string, json?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(`${app.url}${url}`, {
    method,
    headers: { Authorization: `Token ${token}`, ...(json === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await response.text();
  return { status: response.status, body: (response.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text, headers: response.headers };
}

async function ok(method: string, url: string, json?: unknown): Promise<any> {
  const reply = await call(method, url, json);
  assert.ok(reply.status < 300, `${method} ${url}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

const store = () => app.board.store;
/** Sets the board's clock to this local time; null for the real one. */
const setClock = (at: Date | null) => (store().clock.now = at ? () => new Date(at) : () => new Date());

let nextEnd = 1;
const newSprint = () => ok('POST', '/api/sprints/', { name: 'Sprint', end: localDate(new Date(Date.now() + (200 + nextEnd++) * 86_400_000)) });

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ALL_NULL = { name: null, description: null, sprint: null, status: null, order: null, assigned: null, started: null, due: null, completed: null, points: null, labels: [] };
/** [old, new] per field from two objects of field values. */
const pairs = (old: Record<string, unknown>, now: Record<string, unknown>) => Object.fromEntries(Object.keys(ALL_NULL).map((f) => [f, [old[f], now[f]]]));

before(async () => {
  database = await boardDatabase();
  app = await startBoard(database);
  reader = await openDatabaseReader(database);
  token = ((await (await fetch(`${app.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'test' }) })).json()) as { token: string }).token;
});
after(async () => {
  setClock(null);
  await reader.close();
  await app.close();
});
beforeEach(() => setClock(null));

describe('task history', () => {
  it('records each kind of write with exactly what changed, by whom and when', async () => {
    const sprint = await newSprint();
    const before = Date.now();
    const task = await ok('POST', '/api/tasks/', { name: 'Write docs', sprint: sprint.id, due: '2031-01-02' });
    await ok('PATCH', `/api/tasks/${task.id}/`, { status: 2, started: '2030-12-01' });
    await ok('PUT', `/api/tasks/${task.id}/`, { ...task, status: 2, started: '2030-12-01', assigned: 'demo', description: 'all of it' });
    await ok('PATCH', `/api/tasks/${task.id}/`, { status: 2 }); // changes nothing: records nothing
    await ok('DELETE', `/api/sprints/${sprint.id}/`); // moves the task to the backlog
    await ok('DELETE', `/api/tasks/${task.id}/`);
    const history = await ok('GET', `/api/tasks/${task.id}/history/`);
    assert.equal(history.count, 5);
    for (const entry of history.results) {
      assert.match(entry.at, ISO_MS);
      assert.ok(Date.parse(entry.at) >= before - 5 && Date.parse(entry.at) <= Date.now() + 5, entry.at);
    }
    const withoutTimes = history.results.map(({ at, ...entry }: { at: string }) => entry);
    const created = { name: 'Write docs', description: '', sprint: sprint.id, status: 1, order: 0, assigned: null, started: null, due: '2031-01-02', completed: null, points: null, labels: [] };
    const last = { ...created, sprint: null, status: 1, started: null, assigned: 'demo', description: 'all of it' };
    assert.deepEqual(withoutTimes, [
      { task: task.id, user: 'demo', action: 'remove', changes: pairs(last, ALL_NULL), restored_from: null },
      { task: task.id, user: 'demo', action: 'update', changes: { sprint: [sprint.id, null], status: [2, 1], started: ['2030-12-01', null] }, restored_from: null },
      { task: task.id, user: 'demo', action: 'update', changes: { description: ['', 'all of it'], assigned: [null, 'demo'] }, restored_from: null },
      { task: task.id, user: 'demo', action: 'update', changes: { status: [1, 2], started: [null, '2030-12-01'] }, restored_from: null },
      { task: task.id, user: 'demo', action: 'add', changes: pairs(ALL_NULL, created), restored_from: null },
    ]);
  });

  it('records a deleted user\'s unassignments, by nobody when a command deletes them', async () => {
    await store().transaction((tx) => tx.createUser({ username: 'leaving', fullName: '', password: 'unused' }));
    const task = await ok('POST', '/api/tasks/', { name: 'Orphan', assigned: 'leaving' });
    await store().transaction((tx) => tx.deleteUser('leaving'));
    const [entry] = (await ok('GET', `/api/tasks/${task.id}/history/`)).results;
    assert.deepEqual({ user: entry.user, action: entry.action, changes: entry.changes }, { user: null, action: 'update', changes: { assigned: ['leaving', null] } });
  });

  it('pages newest first like every list, with next and previous links', async () => {
    const task = await ok('POST', '/api/tasks/', { name: 'Busy' });
    for (let i = 1; i <= 29; i++) await ok('PATCH', `/api/tasks/${task.id}/`, { order: i });
    const first = await call('GET', `/api/tasks/${task.id}/history/?page_size=10`);
    assert.equal(first.status, 200);
    assert.equal(first.body.count, 30);
    assert.deepEqual(first.body.results.map((e: any) => e.changes.order[1]), [29, 28, 27, 26, 25, 24, 23, 22, 21, 20]);
    assert.equal(first.body.previous, null);
    assert.equal(first.body.next, `${app.url}/api/tasks/${task.id}/history/?page_size=10&page=2`);
    assert.match(first.headers.get('link')!, /rel="next"/);
    const last = await ok('GET', `/api/tasks/${task.id}/history/?page_size=10&page=last`);
    assert.deepEqual(last.results.map((e: any) => e.action).slice(-2), ['update', 'add']);
    assert.equal(last.next, null);
    const everything = await ok('GET', `/api/tasks/${task.id}/history/?page_size=100`);
    const times = everything.results.map((e: any) => e.at);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    assert.equal((await call('GET', `/api/tasks/${task.id}/history/?page=4&page_size=10`)).status, 404);
    assert.equal((await call('GET', `/api/tasks/${task.id}/history/?ordering=at`)).status, 400);
  });

  it('still answers for a deleted task, and 404 only for an id that never existed', async () => {
    const task = await ok('POST', '/api/tasks/', { name: 'Short-lived' });
    await ok('DELETE', `/api/tasks/${task.id}/`);
    assert.equal((await call('GET', `/api/tasks/${task.id}/`)).status, 404);
    const history = await ok('GET', `/api/tasks/${task.id}/history/`);
    assert.deepEqual(history.results.map((e: any) => e.action), ['remove', 'add']);
    assert.equal((await call('GET', '/api/tasks/987654321/history/')).status, 404);
  });

  it('brings a deleted task back as a new one whose history says it was restored', async () => {
    const task = await ok('POST', '/api/tasks/', { name: 'Oops', description: 'keep me' });
    await ok('DELETE', `/api/tasks/${task.id}/`);
    const back = await ok('POST', `/api/tasks/?restores=${task.id}`, { name: 'Oops', description: 'keep me' });
    assert.notEqual(back.id, task.id);
    const [entry] = (await ok('GET', `/api/tasks/${back.id}/history/`)).results;
    assert.deepEqual([entry.action, entry.restored_from], ['add', task.id]);
    for (const bad of [String(back.id), '987654321', 'x']) {
      const refused = await call('POST', `/api/tasks/?restores=${bad}`, { name: 'Again' });
      assert.equal(refused.status, 400, bad);
      assert.match(refused.body.restores[0], /is not the id of a deleted task/);
    }
  });

  it('lists a sprint\'s history: every entry of every task that is or was in it, tasks that left included', async () => {
    const [sprint, other] = [await newSprint(), await newSprint()];
    const stays = await ok('POST', '/api/tasks/', { name: 'Stays', sprint: sprint.id });
    const leaves = await ok('POST', '/api/tasks/', { name: 'Leaves', sprint: sprint.id });
    const elsewhere = await ok('POST', '/api/tasks/', { name: 'Elsewhere', sprint: other.id });
    await ok('PATCH', `/api/tasks/${leaves.id}/`, { sprint: other.id });
    await ok('PATCH', `/api/tasks/${leaves.id}/`, { name: 'Left' }); // after leaving: still its history
    const gone = await ok('POST', '/api/tasks/', { name: 'Gone', sprint: sprint.id });
    await ok('DELETE', `/api/tasks/${gone.id}/`);
    const history = await ok('GET', `/api/sprints/${sprint.id}/history/`);
    assert.deepEqual(
      history.results.map((e: any) => [e.task, e.action]),
      [[gone.id, 'remove'], [gone.id, 'add'], [leaves.id, 'update'], [leaves.id, 'update'], [leaves.id, 'add'], [stays.id, 'add']],
    );
    assert.ok(!history.results.some((e: any) => e.task === elsewhere.id));
    assert.equal((await call('GET', '/api/sprints/987654321/history/')).status, 404);
  });
});

describe('burndown', () => {
  it('counts the sprint\'s tasks at the end of each day, from history written at set times', async () => {
    const at = (day: number, hour: number, minute = 0, ms = 0) => new Date(2030, 2, day, hour, minute, 0, ms);
    setClock(at(4, 10));
    const sprint = await ok('POST', '/api/sprints/', { name: 'Timed', end: '2030-03-08' });
    assert.equal(sprint.created, '2030-03-04');
    const other = await ok('POST', '/api/sprints/', { name: 'Other', end: '2030-03-20' });
    const tasks = [];
    for (const name of ['one', 'two', 'three']) tasks.push(await ok('POST', '/api/tasks/', { name, sprint: sprint.id }));
    setClock(new Date(at(6, 0).getTime() - 1)); // the last millisecond of the 5th
    await ok('PATCH', `/api/tasks/${tasks[0].id}/`, { status: 4, started: '2030-03-05', completed: '2030-03-05' });
    setClock(at(6, 0)); // midnight: the 6th
    await ok('PATCH', `/api/tasks/${tasks[1].id}/`, { sprint: other.id });
    setClock(at(6, 9));
    await ok('POST', '/api/tasks/', { name: 'four', sprint: sprint.id });
    const backlog = await ok('POST', '/api/tasks/', { name: 'not in it' });
    await ok('DELETE', `/api/tasks/${backlog.id}/`);
    setClock(at(6, 15));
    const burndown = await ok('GET', `/api/sprints/${sprint.id}/burndown/`);
    assert.deepEqual(burndown, {
      sprint: sprint.id,
      by: 'tasks',
      start: '2030-03-04',
      end: '2030-03-08',
      days: [
        { date: '2030-03-04', total: 3, remaining: 3, completed: 0, ideal: 3 },
        { date: '2030-03-05', total: 3, remaining: 2, completed: 1, ideal: 2.25 },
        { date: '2030-03-06', total: 3, remaining: 2, completed: 1, ideal: 1.5 },
        { date: '2030-03-07', total: 3, remaining: null, completed: null, ideal: 0.75 },
        { date: '2030-03-08', total: 3, remaining: null, completed: null, ideal: 0 },
      ],
    });
    setClock(at(7, 8));
    await ok('DELETE', `/api/tasks/${tasks[2].id}/`);
    setClock(at(9, 8));
    const after = await ok('GET', `/api/sprints/${sprint.id}/burndown/`);
    assert.deepEqual(after.days.slice(2).map((d: any) => [d.total, d.remaining, d.completed]), [[3, 2, 1], [2, 1, 1], [2, 1, 1]]);
    assert.equal((await call('GET', '/api/sprints/987654321/burndown/')).status, 404);
  });

  it('says why a sprint too long for a burndown has none', async () => {
    const long = await ok('POST', '/api/sprints/', { name: 'Forever', end: '2999-01-01' });
    const reply = await call('GET', `/api/sprints/${long.id}/burndown/`);
    assert.equal(reply.status, 400);
    assert.match(reply.body.detail, /more than 1000 days/);
  });
});

describe('atomic history', () => {
  it('leaves neither the change nor its entry when the write fails half-way', async () => {
    const task = await ok('POST', '/api/tasks/', { name: 'Fragile' });
    const failing =
      database.DATABASE_URL
        ? `CREATE FUNCTION fail_history() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
             IF NEW.changes LIKE '%explode%' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$;
           CREATE TRIGGER fail_history BEFORE INSERT ON task_history FOR EACH ROW EXECUTE FUNCTION fail_history();`
        : `CREATE TRIGGER fail_history BEFORE INSERT ON task_history WHEN NEW.changes LIKE '%explode%'
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;`;
    await reader.exec(failing);
    try {
      const reply = await call('PATCH', `/api/tasks/${task.id}/`, { name: 'explode' });
      assert.equal(reply.status, 500);
      const created = await call('POST', '/api/tasks/', { name: 'explode too' });
      assert.equal(created.status, 500);
    } finally {
      await reader.exec(database.DATABASE_URL ? 'DROP TRIGGER fail_history ON task_history; DROP FUNCTION fail_history();' : 'DROP TRIGGER fail_history;');
    }
    assert.equal((await ok('GET', `/api/tasks/${task.id}/`)).name, 'Fragile', 'the change was rolled back');
    assert.equal((await ok('GET', `/api/tasks/${task.id}/history/`)).count, 1, 'no entry was kept');
    assert.equal((await ok('GET', '/api/tasks/?search=explode')).count, 0, 'no task was created');
  });
});

describe('the endpoints around them', () => {
  it('need credentials, and show in the root, OPTIONS, the browsable API and the schema', async () => {
    const sprint = await newSprint();
    for (const url of [`/api/sprints/${sprint.id}/history/`, `/api/sprints/${sprint.id}/burndown/`, '/api/tasks/1/history/']) {
      assert.equal((await fetch(`${app.url}${url}`)).status, 401, url);
      const options = await call('OPTIONS', url);
      assert.equal(options.status, 200);
      assert.match(options.body.name, /^(Sprint|Task) (History|Burndown)$/);
      assert.equal(options.headers.get('allow'), 'GET, HEAD, OPTIONS');
      const page = await call('GET', url, undefined, { Accept: 'text/html' });
      assert.equal(page.status, 200);
      assert.match(page.body, new RegExp(`<h1 class="h3">${options.body.name}</h1>`));
      assert.equal((await call('POST', url, {})).status, 405);
    }
    const root = await ok('GET', '/api/');
    assert.equal(root.task_history, `${app.url}/api/tasks/{id}/history/`);
    assert.equal(root.sprint_burndown, `${app.url}/api/sprints/{id}/burndown/`);
    const schema = await ok('GET', '/api/schema/');
    assert.deepEqual(Object.keys(schema.paths).filter((p) => /history|burndown/.test(p)), ['/api/sprints/{id}/history/', '/api/sprints/{id}/burndown/', '/api/tasks/{id}/history/']);
    assert.equal(schema.paths['/api/tasks/{id}/history/'].get.responses[200].content['application/json'].schema.$ref, '#/components/schemas/PaginatedHistoryEntryList');
    assert.ok(schema.components.schemas.Burndown);
  });

  it('never answers a hostile history or burndown URL with a 5xx', async () => {
    const sprint = await newSprint();
    const ids = ['0', '-1', '1.5', '99999999999999999999', '9007199254740993', 'abc', '%00', '1%20', String(sprint.id)];
    const queries = ['', '?page=0', '?page=-1', '?page=abc', '?page=99999999999', '?page_size=0', '?page_size=abc', '?page_size=9999999', '?ordering=-at', '?search=%00', '?format=xml', '?format=api'];
    let probes = 0;
    for (const resource of ['tasks', 'sprints']) {
      for (const action of ['history', 'burndown']) {
        for (const id of ids) {
          for (const query of queries) {
            const url = `/api/${resource}/${id}/${action}/${query}`;
            const reply = await call('GET', url);
            probes++;
            assert.ok(reply.status < 500, `${url}: ${reply.status}`);
          }
        }
      }
    }
    assert.ok(probes > 400);
  });
});
