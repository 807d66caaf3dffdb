// What a Scrum team uses every hour, over real HTTP on a real database:
// story points (and the messages for bad ones), the burndown by points, the
// velocity of the last sprints, WIP limits, labels (palette, uniqueness, the
// ?label= filter, deletion), comments (only their author changes them, each a
// history entry of its own kind, live events for every write), and these
// resources everywhere the API goes (root, OPTIONS, schema, pagination,
// ETag/If-Match). postgres-api.test.ts runs it again on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { localDate } from '../src/board/clock.ts';
import { contrast, LABEL_COLOURS } from '../src/board/palette.ts';
import { openStore } from '../src/board/store.ts';
import { createUser } from '../src/board/users.ts';
import { loadSettings } from '../src/settings.ts';
import { MODEL_EVENTS_TOPIC, type ModelEvent } from '../src/realtime/pubsub.ts';
import { Redis } from 'ioredis';
import { changedEvents } from '../src/board/resource-routes.ts';
import { boardDatabase, runScript, startBoard, until } from './helpers.ts';
import { REDIS_UNAVAILABLE, redisUrl } from './services.ts';

let app: Awaited<ReturnType<typeof startBoard>>;
let database: Record<string, string>;
const tokens: Record<string, string> = {};
let events: ModelEvent[] = [];

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

async function call(method: string, url: string, json?: unknown, { as = 'demo', headers = {} }: { as?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const response = await fetch(`${app.url}${url}`, {
    method,
    headers: { Authorization: `Token ${tokens[as]}`, Accept: 'application/json', ...(json === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await response.text();
  return { status: response.status, body: text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text, headers: response.headers };
}

async function ok(method: string, url: string, json?: unknown, as = 'demo'): Promise<any> {
  const reply = await call(method, url, json, { as });
  assert.ok(reply.status < 300, `${method} ${url}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

const setClock = (at: Date | null) => (app.board.store.clock.now = at ? () => new Date(at) : () => new Date());
let nextEnd = 1;
const newSprint = (extra: Record<string, unknown> = {}) => ok('POST', '/api/sprints/', { name: 'Sprint', end: localDate(new Date(Date.now() + (300 + nextEnd++) * 86_400_000)), ...extra });
/** Waits for the events the writes so far published (they are delivered in order, at once in-process or through Redis). */
const eventsFor = async (model: string, count: number): Promise<ModelEvent[]> => {
  for (let i = 0; i < 100 && events.filter((e) => e.model === model).length < count; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return events.filter((e) => e.model === model);
};

before(async () => {
  database = await boardDatabase();
  app = await startBoard(database);
  await createUser(app.board.store, { username: 'bob', password: 'bob-password-1', fullName: 'Bob' });
  for (const [username, password] of [['demo', 'test'], ['bob', 'bob-password-1']]) {
    const reply = await fetch(`${app.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: username!, password: password! }) });
    tokens[username!] = ((await reply.json()) as { token: string }).token;
  }
  app.board.pubsub.subscribe(MODEL_EVENTS_TOPIC, (message) => events.push(JSON.parse(message) as ModelEvent));
});
after(async () => {
  setClock(null);
  await app.close();
});
beforeEach(() => {
  setClock(null);
  events = [];
});

describe('story points', () => {
  it('takes null or a whole number from 0 to 100, and says so for anything else', async () => {
    const task = await ok('POST', '/api/tasks/', { name: 'Pointed', points: 8 });
    assert.equal(task.points, 8);
    assert.equal((await ok('POST', '/api/tasks/', { name: 'Unpointed' })).points, null);
    assert.equal((await ok('PATCH', `/api/tasks/${task.id}/`, { points: '13' })).points, 13);
    assert.equal((await ok('PATCH', `/api/tasks/${task.id}/`, { points: 0 })).points, 0);
    assert.equal((await ok('PATCH', `/api/tasks/${task.id}/`, { points: null })).points, null);
    assert.equal((await ok('PATCH', `/api/tasks/${task.id}/`, { points: 100 })).points, 100);
    const message = 'Points must be a whole number from 0 to 100 (the board offers 0, 1, 2, 3, 5, 8, 13, 20, 40 and 100), or empty for none.';
    for (const bad of [101, -1, 2.5, 'many', true, [3], { n: 1 }, '1e3', 1e300]) {
      const reply = await call('PATCH', `/api/tasks/${task.id}/`, { points: bad });
      assert.equal(reply.status, 400, JSON.stringify(bad));
      assert.deepEqual(reply.body, { points: [message] }, JSON.stringify(bad));
    }
    assert.equal((await ok('GET', `/api/tasks/${task.id}/`)).points, 100, 'refused writes changed nothing');
    const history = await ok('GET', `/api/tasks/${task.id}/history/`);
    assert.deepEqual(history.results.map((entry: any) => entry.changes.points), [[null, 100], [0, null], [13, 0], [8, 13], [null, 8]]);
  });

  it('orders by points', async () => {
    const sprint = await newSprint();
    for (const points of [5, null, 1]) await ok('POST', '/api/tasks/', { name: `p${points}`, sprint: sprint.id, points });
    const list = await ok('GET', `/api/tasks/?sprint=${sprint.id}&ordering=-points`);
    assert.deepEqual(list.results.map((t: any) => t.points), [5, 1, null]);
  });
});

describe('burndown by points and velocity', () => {
  it('counts points from the same history as tasks', async () => {
    const at = (day: number, hour: number) => new Date(2031, 4, day, hour);
    setClock(at(5, 10));
    const sprint = await ok('POST', '/api/sprints/', { name: 'Pointed sprint', end: '2031-05-08' });
    const a = await ok('POST', '/api/tasks/', { name: 'a', sprint: sprint.id, points: 5 });
    const b = await ok('POST', '/api/tasks/', { name: 'b', sprint: sprint.id, points: 3 });
    await ok('POST', '/api/tasks/', { name: 'c', sprint: sprint.id });
    setClock(at(6, 11));
    await ok('PATCH', `/api/tasks/${a.id}/`, { status: 4, started: '2031-05-06', completed: '2031-05-06' });
    await ok('PATCH', `/api/tasks/${b.id}/`, { points: 8 });
    setClock(at(7, 9));
    const points = await ok('GET', `/api/sprints/${sprint.id}/burndown/?by=points`);
    assert.deepEqual(points, {
      sprint: sprint.id,
      by: 'points',
      start: '2031-05-05',
      end: '2031-05-08',
      days: [
        { date: '2031-05-05', total: 8, remaining: 8, completed: 0, ideal: 8 },
        { date: '2031-05-06', total: 13, remaining: 8, completed: 5, ideal: 5.33 },
        { date: '2031-05-07', total: 13, remaining: 8, completed: 5, ideal: 2.67 },
        { date: '2031-05-08', total: 13, remaining: null, completed: null, ideal: 0 },
      ],
    });
    const tasks = await ok('GET', `/api/sprints/${sprint.id}/burndown/?by=tasks`);
    assert.deepEqual(tasks.days.map((d: any) => d.remaining), [3, 2, 2, null]);
    // The cached burndown follows a write at once.
    await ok('PATCH', `/api/tasks/${b.id}/`, { status: 4, started: '2031-05-07', completed: '2031-05-07' });
    assert.deepEqual((await ok('GET', `/api/sprints/${sprint.id}/burndown/?by=points`)).days[2], { date: '2031-05-07', total: 13, remaining: 0, completed: 13, ideal: 2.67 });
    const bad = await call('GET', `/api/sprints/${sprint.id}/burndown/?by=hours`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { by: ['"hours" is not one of "tasks", "points".'] });
  });

  it('gives the points committed and completed of the last sprints that have begun, oldest first', async () => {
    const at = (month: number, day: number) => new Date(2032, month - 1, day, 12);
    const sprints = [];
    for (const [i, committed] of [[1, [3, 5]], [2, [8, 8, 2]], [3, [1]]] as Array<[number, number[]]>) {
      setClock(at(i, 1));
      const sprint = await ok('POST', '/api/sprints/', { name: `Velocity ${i}`, end: localDate(at(i, 10)) });
      const tasks = [];
      for (const points of committed) tasks.push(await ok('POST', '/api/tasks/', { name: `v${i}`, sprint: sprint.id, points }));
      setClock(at(i, 2));
      // Added after the first day: not committed, but completed counts it.
      const late = await ok('POST', '/api/tasks/', { name: 'late', sprint: sprint.id, points: 2 });
      setClock(at(i, 5));
      for (const task of [tasks[0], late]) await ok('PATCH', `/api/tasks/${task.id}/`, { status: 4, started: localDate(at(i, 5)), completed: localDate(at(i, 5)) });
      sprints.push(sprint);
    }
    setClock(at(3, 6));
    const velocity = await ok('GET', '/api/sprints/velocity/?count=3');
    assert.deepEqual(velocity, {
      count: 3,
      results: [
        { sprint: sprints[0].id, name: 'Velocity 1', start: '2032-01-01', end: '2032-01-10', committed: 8, completed: 5, finished: true },
        { sprint: sprints[1].id, name: 'Velocity 2', start: '2032-02-01', end: '2032-02-10', committed: 18, completed: 10, finished: true },
        { sprint: sprints[2].id, name: 'Velocity 3', start: '2032-03-01', end: '2032-03-10', committed: 1, completed: 3, finished: false },
      ],
    });
    assert.deepEqual((await ok('GET', '/api/sprints/velocity/?count=1')).results.map((v: any) => v.name), ['Velocity 3']);
    for (const bad of ['0', '51', 'x', '-1']) {
      const reply = await call('GET', `/api/sprints/velocity/?count=${bad}`);
      assert.equal(reply.status, 400);
      assert.deepEqual(reply.body, { count: ['Enter a whole number of sprints from 1 to 50.'] });
    }
  });
});

describe('burndown and velocity caches', () => {
  /** How many times each sprint's history was replayed for a chart, from here on. */
  const countReplays = () => {
    const store = app.board.store;
    const replayed = new Map<number, number>();
    const placements = store.placements.bind(store);
    store.placements = (sprint: number) => {
      replayed.set(sprint, (replayed.get(sprint) ?? 0) + 1);
      return placements(sprint);
    };
    return {
      of: (sprint: { id: number }) => replayed.get(sprint.id) ?? 0,
      restore: () => delete (store as { placements?: unknown }).placements,
    };
  };
  const burndownOf = (sprint: { id: number }, by = 'tasks') => ok('GET', `/api/sprints/${sprint.id}/burndown/?by=${by}`);

  it('keeps each sprint\'s burndown until a write touches that sprint', async () => {
    const [a, b] = [await newSprint({ name: 'Cache A' }), await newSprint({ name: 'Cache B' })];
    const inA = await ok('POST', '/api/tasks/', { name: 'in A', sprint: a.id, points: 2 });
    const inB = await ok('POST', '/api/tasks/', { name: 'in B', sprint: b.id, points: 3 });
    const backlog = await ok('POST', '/api/tasks/', { name: 'in the backlog' });
    const replays = countReplays();
    try {
      const burndowns = async () => [await burndownOf(a), await burndownOf(b)];
      /** Reads both burndowns (twice: the second time from the cache) and says how many replays each took. */
      const replayedAfter = async (write: () => Promise<unknown>) => {
        const before = [replays.of(a), replays.of(b)];
        await write();
        const first = await burndowns();
        assert.deepEqual(await burndowns(), first, 'served again from the cache');
        // Both sprints began today: their first day is today.
        return { a: replays.of(a) - before[0]!, b: replays.of(b) - before[1]!, today: first.map((chart) => chart.days[0]) };
      };
      let step = await replayedAfter(async () => {});
      assert.deepEqual([step.a, step.b], [1, 1], 'each computed once, then served from the cache');
      step = await replayedAfter(async () => {});
      assert.deepEqual([step.a, step.b], [0, 0], 'nothing written: nothing replayed');
      // Writes to A leave B's burndown cached, and are seen in A's at once.
      step = await replayedAfter(() => ok('POST', '/api/tasks/', { name: 'another in A', sprint: a.id, points: 5 }));
      assert.deepEqual([step.a, step.b, step.today[0].total], [1, 0, 2]);
      step = await replayedAfter(() => ok('PATCH', `/api/tasks/${inA.id}/`, { status: 4, started: localDate(new Date()), completed: localDate(new Date()) }));
      assert.deepEqual([step.a, step.b, step.today[0].completed], [1, 0, 1]);
      // Writes that change no burndown (a name, the order, a comment, a label, a backlog task) replay nothing.
      const label = await ok('POST', '/api/labels/', { name: 'cache label', colour: LABEL_COLOURS[0]!.name });
      for (const write of [
        () => ok('PATCH', `/api/tasks/${inA.id}/`, { name: 'renamed in A', order: 7 }),
        () => ok('POST', `/api/tasks/${inA.id}/comments/`, { body: 'no change to the burndown' }),
        () => ok('PATCH', `/api/tasks/${inA.id}/`, { labels: [label.id] }),
        () => ok('PATCH', `/api/tasks/${backlog.id}/`, { points: 8 }),
      ]) {
        step = await replayedAfter(write);
        assert.deepEqual([step.a, step.b], [0, 0]);
      }
      // A move between sprints touches both; so does a deletion (its sprint only), points and a sprint's end.
      step = await replayedAfter(() => ok('PATCH', `/api/tasks/${inB.id}/`, { sprint: a.id }));
      assert.deepEqual([step.a, step.b, step.today[0].total, step.today[1].total], [1, 1, 3, 0]);
      step = await replayedAfter(() => ok('PATCH', `/api/tasks/${inB.id}/`, { points: 1 }));
      assert.deepEqual([step.a, step.b], [1, 0]);
      step = await replayedAfter(() => ok('DELETE', `/api/tasks/${inB.id}/`));
      assert.deepEqual([step.a, step.b, step.today[0].total], [1, 0, 2]);
      const end = localDate(new Date(Date.now() + 900 * 86_400_000));
      step = await replayedAfter(() => ok('PATCH', `/api/sprints/${b.id}/`, { end }));
      assert.deepEqual([step.a, step.b], [0, 1]);
      assert.equal((await burndownOf(b)).end, end);
      // Deleting a sprint moves its tasks to the backlog: their other sprint is not touched, its burndown is gone.
      await ok('POST', '/api/tasks/', { name: 'in B again', sprint: b.id });
      await burndowns();
      assert.equal((await call('DELETE', `/api/sprints/${b.id}/`)).status, 204);
      assert.equal((await call('GET', `/api/sprints/${b.id}/burndown/`)).status, 404);
      const replayedA = replays.of(a);
      await burndownOf(a);
      assert.equal(replays.of(a), replayedA, 'A still served from the cache');
    } finally {
      replays.restore();
    }
  });

  it('computes the velocity again after a write to one of its sprints, replaying only that one', async () => {
    const at = (month: number, day: number) => new Date(2033, month - 1, day, 12);
    const sprints = [];
    for (const month of [1, 2]) {
      setClock(at(month, 1));
      const sprint = await ok('POST', '/api/sprints/', { name: `Cached velocity ${month}`, end: localDate(at(month, 10)) });
      await ok('POST', '/api/tasks/', { name: 'committed', sprint: sprint.id, points: 3 });
      sprints.push(sprint);
    }
    setClock(at(2, 5));
    const replays = countReplays();
    try {
      const velocity = async () => (await ok('GET', '/api/sprints/velocity/?count=2')).results.map((v: any) => [v.name, v.committed, v.completed]);
      assert.deepEqual(await velocity(), [['Cached velocity 1', 3, 0], ['Cached velocity 2', 3, 0]]);
      assert.deepEqual(await velocity(), [['Cached velocity 1', 3, 0], ['Cached velocity 2', 3, 0]]);
      assert.deepEqual([replays.of(sprints[0]), replays.of(sprints[1])], [1, 1], 'each replayed once');
      const task = (await ok('GET', `/api/tasks/?sprint=${sprints[1].id}`)).results[0];
      await ok('PATCH', `/api/tasks/${task.id}/`, { status: 4, started: '2033-02-05', completed: '2033-02-05' });
      assert.deepEqual(await velocity(), [['Cached velocity 1', 3, 0], ['Cached velocity 2', 3, 3]]);
      assert.deepEqual([replays.of(sprints[0]), replays.of(sprints[1])], [1, 2], 'only the sprint written to replayed again');
      await ok('PATCH', `/api/sprints/${sprints[0].id}/`, { name: 'Renamed velocity 1' });
      assert.deepEqual((await velocity())[0], ['Renamed velocity 1', 3, 0]);
    } finally {
      replays.restore();
    }
  });

  it('hears which sprints another process\'s commit touched (PostgreSQL names them; on SQLite, every sprint)', async () => {
    const [a, b] = [await newSprint({ name: 'Elsewhere A' }), await newSprint({ name: 'Elsewhere B' })];
    const inA = await ok('POST', '/api/tasks/', { name: 'written elsewhere', sprint: a.id, points: 1 });
    await ok('POST', '/api/tasks/', { name: 'left alone', sprint: b.id, points: 1 });
    const replays = countReplays();
    const other = await openStore(loadSettings({ ...database, SERVICES: 'board' }));
    try {
      await burndownOf(a, 'points');
      await burndownOf(b, 'points');
      await other.transaction((tx) => tx.update('task', inA.id, { points: 5 }));
      await until('the other process\'s write is seen', async () => (await burndownOf(a, 'points')).days[0].total === 5);
      await burndownOf(b, 'points');
      assert.equal(replays.of(b), app.board.store.engine === 'postgresql' ? 1 : 2);
    } finally {
      replays.restore();
      await other.close();
    }
  });

  it('forgets every chart after an import by another process', async () => {
    const database = await boardDatabase();
    const board = await startBoard(database);
    try {
      const login = await fetch(`${board.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'test' }) });
      const headers = { Authorization: `Token ${((await login.json()) as { token: string }).token}`, Accept: 'application/json' };
      const velocity = async () => ((await (await fetch(`${board.url}/api/sprints/velocity/`, { headers })).json()) as { results: Array<{ name: string; committed: number }> }).results;
      assert.deepEqual(await velocity(), []);
      // As `npm run import` does, from a store of its own on the same database.
      const other = await openStore(loadSettings({ ...database, SERVICES: 'board' }));
      const today = localDate(new Date());
      try {
        await other.transaction((tx) =>
          tx.importAll({
            format: 'lightweight-board',
            version: 1,
            users: [],
            sprints: [{ id: 50, name: 'Imported', description: '', end: localDate(new Date(Date.now() + 5 * 86_400_000)) }],
            tasks: [{ id: 70, name: 'Imported task', description: '', sprint_id: 50, status: 1, order: 0, assigned_id: null, started: null, due: null, completed: null }],
            tokens: [],
            next_ids: { users: 100, sprints: 51, tasks: 71 },
          }),
        );
      } finally {
        await other.close();
      }
      // Another process's commit is heard within a millisecond (SQLite) or on its notification (PostgreSQL).
      await until('the import is seen', async () => (await velocity()).length === 1);
      assert.deepEqual(await velocity(), [{ sprint: 50, name: 'Imported', start: today, end: localDate(new Date(Date.now() + 5 * 86_400_000)), committed: 0, completed: 0, finished: false }]);
    } finally {
      await board.close();
    }
  });
});

describe('WIP limits', () => {
  it('takes a limit per status column, and refuses what is not one', async () => {
    const sprint = await newSprint({ wip_limits: { 2: 3 } });
    assert.deepEqual(sprint.wip_limits, { 1: null, 2: 3, 3: null, 4: null });
    const changed = await ok('PATCH', `/api/sprints/${sprint.id}/`, { wip_limits: { 2: null, 3: '2' } });
    assert.deepEqual(changed.wip_limits, { 1: null, 2: null, 3: 2, 4: null });
    for (const [bad, message] of [
      [{ 5: 1 }, /"5" is not a column/],
      [{ 2: 0 }, /The limit of In Progress must be a whole number from 1 to 999, or null for none\./],
      [{ 2: 1.5 }, /The limit of In Progress/],
      [[1, 2], /Expected an object/],
      ['nope', /Expected an object/],
    ] as Array<[unknown, RegExp]>) {
      const reply = await call('PATCH', `/api/sprints/${sprint.id}/`, { wip_limits: bad });
      assert.equal(reply.status, 400, JSON.stringify(bad));
      assert.match(reply.body.wip_limits[0], message);
    }
    assert.deepEqual((await ok('GET', `/api/sprints/${sprint.id}/`)).wip_limits, { 1: null, 2: null, 3: 2, 4: null });
  });
});

describe('labels', () => {
  it('has a palette whose every colour meets AA for its text', () => {
    for (const colour of LABEL_COLOURS) assert.ok(contrast(colour.background, colour.text) >= 4.5, `${colour.name}: ${contrast(colour.background, colour.text).toFixed(2)}`);
  });

  it('are named once on the board, coloured from the palette, and filter tasks', async () => {
    const bug = await ok('POST', '/api/labels/', { name: 'bug', colour: 'red' });
    assert.deepEqual(bug, { id: bug.id, name: 'bug', colour: 'red', links: { self: `${app.url}/api/labels/${bug.id}/`, tasks: `${app.url}/api/tasks/?label=${bug.id}` } });
    const ux = await ok('POST', '/api/labels/', { name: 'ux' });
    assert.equal(ux.colour, 'grey');
    assert.deepEqual((await call('POST', '/api/labels/', { name: 'bug', colour: 'blue' })).body, { name: ['A label with this name already exists.'] });
    const colour = await call('POST', '/api/labels/', { name: 'odd', colour: '#ff0000' });
    assert.equal(colour.status, 400);
    assert.deepEqual(colour.body, { colour: ['"#ff0000" is not a valid choice.'] });

    const both = await ok('POST', '/api/tasks/', { name: 'both', labels: [ux.id, bug.id, bug.id] });
    assert.deepEqual(both.labels, [bug.id, ux.id]);
    const one = await ok('POST', '/api/tasks/', { name: 'one', labels: [ux.id] });
    await ok('POST', '/api/tasks/', { name: 'none' });
    const missing = await call('PATCH', `/api/tasks/${one.id}/`, { labels: [ux.id, 999999] });
    assert.deepEqual(missing.body, { labels: ['There is no label with id 999999.'] });
    assert.deepEqual((await call('PATCH', `/api/tasks/${one.id}/`, { labels: 'x' })).body, { labels: ['"x" is not the id of a label: give whole numbers.'] });

    const withBug = await ok('GET', `/api/tasks/?label=${bug.id}`);
    assert.deepEqual(withBug.results.map((t: any) => t.name), ['both']);
    assert.deepEqual((await ok('GET', `/api/tasks/?label=${ux.id}&search=one`)).results.map((t: any) => t.name), ['one']);
    assert.deepEqual((await call('GET', '/api/tasks/?label=red')).body, { label: ['Enter a whole number.'] });
    assert.equal((await ok('GET', '/api/tasks/?label=99999999999999')).count, 0);

    // Deleting a label takes it off its tasks: a new version, a history entry and an event each.
    const before = await call('GET', `/api/tasks/${both.id}/`);
    events = [];
    assert.equal((await call('DELETE', `/api/labels/${bug.id}/`)).status, 204);
    const after = await call('GET', `/api/tasks/${both.id}/`);
    assert.deepEqual(after.body.labels, [ux.id]);
    assert.notEqual(after.headers.get('etag'), before.headers.get('etag'));
    const [entry] = (await ok('GET', `/api/tasks/${both.id}/history/`)).results;
    assert.deepEqual(entry.changes, { labels: [[bug.id, ux.id], [ux.id]] });
    const taskEvents = await eventsFor('task', 1);
    assert.deepEqual(taskEvents.map((e) => [e.action, e.id, (e.body as any).labels]), [['update', both.id, [ux.id]]]);
    assert.deepEqual((await eventsFor('label', 1)).map((e) => [e.action, e.id]), [['remove', bug.id]]);
  });

  it('are protected by If-Match and paginated like every list', async () => {
    const label = await call('POST', '/api/labels/', { name: 'etag', colour: 'blue' });
    const etag = label.headers.get('etag')!;
    assert.equal((await call('PATCH', `/api/labels/${label.body.id}/`, { colour: 'green' }, { headers: { 'If-Match': etag } })).status, 200);
    assert.equal((await call('PATCH', `/api/labels/${label.body.id}/`, { colour: 'pink' }, { headers: { 'If-Match': etag } })).status, 412);
    assert.equal((await call('GET', `/api/labels/${label.body.id}/`, undefined, { headers: { 'If-None-Match': (await call('GET', `/api/labels/${label.body.id}/`)).headers.get('etag')! } })).status, 304);
    const page = await ok('GET', '/api/labels/?page_size=1');
    assert.ok(page.count >= 2 && page.results.length === 1 && page.next);
  });
});

describe('comments', () => {
  it('belong to their task and their author, who alone edits or deletes them', async () => {
    const task = await ok('POST', '/api/tasks/', { name: 'Discussed' });
    const start = Date.now();
    const created = await call('POST', `/api/tasks/${task.id}/comments/`, { body: 'Looks **good**', author: 'bob', task: 1 });
    assert.equal(created.status, 201);
    const comment = created.body;
    assert.equal(created.headers.get('location'), `${app.url}/api/tasks/${task.id}/comments/${comment.id}/`);
    assert.deepEqual({ ...comment, created: null }, {
      id: comment.id,
      task: task.id,
      author: 'demo',
      body: 'Looks **good**',
      created: null,
      edited: null,
      links: { self: `${app.url}/api/tasks/${task.id}/comments/${comment.id}/`, task: `${app.url}/api/tasks/${task.id}/` },
    });
    assert.ok(Date.parse(comment.created) >= start - 5);
    const reply = await ok('POST', `/api/tasks/${task.id}/comments/`, { body: 'Agreed' }, 'bob');
    assert.equal(reply.author, 'bob');

    const list = await ok('GET', `/api/tasks/${task.id}/comments/`);
    assert.deepEqual(list.results.map((c: any) => [c.author, c.body]), [['demo', 'Looks **good**'], ['bob', 'Agreed']]);
    assert.equal((await ok('GET', `/api/tasks/${task.id}/comments/?page_size=1&page=2`)).results[0].body, 'Agreed');

    for (const [method, body] of [['PATCH', { body: 'hijacked' }], ['PUT', { body: 'hijacked' }], ['DELETE', undefined]] as const) {
      const refused = await call(method, `/api/tasks/${task.id}/comments/${comment.id}/`, body, { as: 'bob' });
      assert.equal(refused.status, 403);
      assert.deepEqual(refused.body, { detail: 'Only the author of a comment can edit or delete it.' });
    }
    const edited = await ok('PATCH', `/api/tasks/${task.id}/comments/${comment.id}/`, { body: 'Looks *great*' });
    assert.equal(edited.body, 'Looks *great*');
    assert.ok(edited.edited !== null && Date.parse(edited.edited) >= Date.parse(edited.created));
    assert.deepEqual((await call('POST', `/api/tasks/${task.id}/comments/`, { body: '   ' })).body, { body: ['This field may not be blank.'] });
    assert.equal((await call('POST', '/api/tasks/999999/comments/', { body: 'lost' })).status, 404);
    assert.equal((await call('GET', '/api/tasks/999999/comments/')).status, 404);
    const other = await ok('POST', '/api/tasks/', { name: 'Other' });
    assert.equal((await call('GET', `/api/tasks/${other.id}/comments/${comment.id}/`)).status, 404, 'a comment is found under its own task only');
    assert.equal((await call('DELETE', `/api/tasks/${task.id}/comments/${reply.id}/`, undefined, { as: 'bob' })).status, 204);

    // Each write is a `comment` entry of the task's history, which changes no task.
    const history = await ok('GET', `/api/tasks/${task.id}/history/`);
    assert.deepEqual(
      history.results.map(({ user, action, changes }: any) => ({ user, action, changes })),
      [
        { user: 'bob', action: 'comment', changes: { comment: [reply.id, null], body: ['Agreed', null] } },
        { user: 'demo', action: 'comment', changes: { comment: [comment.id, comment.id], body: ['Looks **good**', 'Looks *great*'] } },
        { user: 'bob', action: 'comment', changes: { comment: [null, reply.id], body: [null, 'Agreed'] } },
        { user: 'demo', action: 'comment', changes: { comment: [null, comment.id], body: [null, 'Looks **good**'] } },
        { user: 'demo', action: 'add', changes: history.results.at(-1).changes },
      ],
    );
    assert.equal((await ok('GET', `/api/tasks/${task.id}/`)).links.comments, `${app.url}/api/tasks/${task.id}/comments/`);

    // Every write is a live event with the comment as the API shows it.
    const live = await eventsFor('comment', 4);
    assert.deepEqual(
      live.map((e) => [e.action, e.id, (e.body as any).body]),
      [
        ['add', comment.id, 'Looks **good**'],
        ['add', reply.id, 'Agreed'],
        ['update', comment.id, 'Looks *great*'],
        ['remove', reply.id, 'Agreed'],
      ],
    );
  });

  it('go with their task, and leave the burndown alone', async () => {
    const sprint = await newSprint();
    const task = await ok('POST', '/api/tasks/', { name: 'Talked about', sprint: sprint.id, points: 3 });
    const before = await ok('GET', `/api/sprints/${sprint.id}/burndown/?by=points`);
    await ok('POST', `/api/tasks/${task.id}/comments/`, { body: 'one' });
    assert.deepEqual(await ok('GET', `/api/sprints/${sprint.id}/burndown/?by=points`), before);
    assert.equal((await ok('GET', `/api/sprints/${sprint.id}/history/`)).results[0].action, 'comment');
    await ok('DELETE', `/api/tasks/${task.id}/`);
    assert.equal((await call('GET', `/api/tasks/${task.id}/comments/`)).status, 404);
  });
});

describe('a deleted user', () => {
  const newUser = async (username: string) => {
    await createUser(app.board.store, { username, password: `${username}-password-1`, fullName: username });
    const reply = await fetch(`${app.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username, password: `${username}-password-1` }) });
    tokens[username] = ((await reply.json()) as { token: string }).token;
  };

  it('leaves their comments, by nobody, and their tasks, unassigned, each with a new version and an event', async () => {
    await newUser('carol');
    const task = await ok('POST', '/api/tasks/', { name: 'Carol\'s', assigned: 'carol' });
    const comment = await ok('POST', `/api/tasks/${task.id}/comments/`, { body: 'Said by **Carol**' }, 'carol');
    const other = await ok('POST', `/api/tasks/${task.id}/comments/`, { body: 'Said by demo' });
    const url = `/api/tasks/${task.id}/comments/${comment.id}/`;
    const etag = (await call('GET', url)).headers.get('etag');
    const entries = (await ok('GET', `/api/tasks/${task.id}/history/`)).count;
    const changed = await app.board.store.transaction((tx) => tx.deleteUser('carol'));
    assert.deepEqual(changed?.map(({ model, id }) => [model, id]), [['task', task.id], ['comment', comment.id]]);
    const now = await call('GET', url);
    assert.deepEqual({ ...now.body, links: undefined }, { ...comment, author: null, links: undefined });
    assert.notEqual(now.headers.get('etag'), etag, 'a new version: caches and If-Match see the change');
    assert.equal((await ok('GET', `/api/tasks/${task.id}/comments/`)).results.find((c: any) => c.id === other.id).author, 'demo');
    assert.equal((await ok('GET', `/api/tasks/${task.id}/`)).assigned, null);
    // The task's unassignment is in its history; the comment, whose text did not change, adds nothing there.
    const history = await ok('GET', `/api/tasks/${task.id}/history/`);
    assert.equal(history.count, entries + 1);
    assert.deepEqual([history.results[0].action, history.results[0].changes], ['update', { assigned: ['carol', null] }]);
    // Nobody can edit a comment whose author is gone (only its author could).
    assert.equal((await call('PATCH', url, { body: 'hijacked' })).status, 403);
    // The events a command publishes are the API's representations.
    const events = changedEvents(changed!, { api: `${app.url}/api`, ws: app.url.replace('http', 'ws'), secretKey: 'unused' });
    assert.deepEqual(events.map((e) => [e.model, e.id, e.action]), [['task', task.id, 'update'], ['comment', comment.id, 'update']]);
    assert.deepEqual(events[1]!.body, now.body);
  });

  it('is announced to every process\'s boards by `npm run deleteuser` through Redis', async (t) => {
    const redis = redisUrl();
    if (!redis) return t.skip(REDIS_UNAVAILABLE);
    await newUser('dave');
    const task = await ok('POST', '/api/tasks/', { name: 'Dave\'s', assigned: 'dave' });
    const comment = await ok('POST', `/api/tasks/${task.id}/comments/`, { body: 'Said by Dave' }, 'dave');
    const subscriber = new Redis(redis);
    const heard: ModelEvent[] = [];
    try {
      await subscriber.subscribe(MODEL_EVENTS_TOPIC);
      subscriber.on('message', (_topic: string, message: string) => heard.push(JSON.parse(message) as ModelEvent));
      const run = await runScript('deleteuser', ['dave'], { ...database, REDIS_URL: redis, SITE_URL: 'https://board.example.com' });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /User "dave" deleted; 1 task unassigned, 1 comment kept without their author\./);
      const mine = () => heard.filter((e) => (e.model === 'task' && e.id === task.id) || (e.model === 'comment' && e.id === comment.id));
      await until('both events are heard', () => mine().length === 2);
      const [taskEvent, commentEvent] = mine();
      assert.deepEqual([taskEvent!.action, (taskEvent!.body as any).assigned, (taskEvent!.body as any).links.self], ['update', null, `https://board.example.com/api/tasks/${task.id}/`]);
      assert.deepEqual([commentEvent!.action, (commentEvent!.body as any).author, (commentEvent!.body as any).body], ['update', null, 'Said by Dave']);
    } finally {
      await subscriber.quit();
    }
  });
});

describe('everywhere the API goes', () => {
  it('protects comments with If-Match, answers If-None-Match, pages them, and sends an event for every label and comment write', async () => {
    const task = await ok('POST', '/api/tasks/', { name: 'Much discussed' });
    const first = await call('POST', `/api/tasks/${task.id}/comments/`, { body: 'first' });
    await ok('POST', `/api/tasks/${task.id}/comments/`, { body: 'second' });
    const url = `/api/tasks/${task.id}/comments/${first.body.id}/`;
    const etag = first.headers.get('etag')!;
    assert.equal((await call('GET', url, undefined, { headers: { 'If-None-Match': etag } })).status, 304);
    assert.equal((await call('PATCH', url, { body: 'first, edited' }, { headers: { 'If-Match': etag } })).status, 200);
    assert.equal((await call('PATCH', url, { body: 'lost update' }, { headers: { 'If-Match': etag } })).status, 412);
    assert.equal((await call('DELETE', url, undefined, { headers: { 'If-Match': etag } })).status, 412);
    const page = await call('GET', `/api/tasks/${task.id}/comments/?page_size=1`);
    assert.deepEqual([page.body.count, page.body.results.map((c: any) => c.body), page.body.next], [2, ['first, edited'], `${app.url}/api/tasks/${task.id}/comments/?page_size=1&page=2`]);
    assert.match(page.headers.get('link')!, /rel="next"/);
    assert.deepEqual((await ok('GET', `/api/tasks/${task.id}/comments/?search=second`)).results.map((c: any) => c.body), ['second']);

    events = [];
    const label = await ok('POST', '/api/labels/', { name: 'evented', colour: LABEL_COLOURS[1]!.name });
    await ok('PATCH', `/api/labels/${label.id}/`, { name: 'evented again' });
    await ok('DELETE', url);
    assert.deepEqual((await eventsFor('label', 2)).map((e) => [e.action, e.id, (e.body as any).name]), [['add', label.id, 'evented'], ['update', label.id, 'evented again']]);
    assert.deepEqual((await eventsFor('comment', 1)).map((e) => [e.action, e.id, (e.body as any).body]), [['remove', first.body.id, 'first, edited']]);
    // A task's deletion takes its comments with it: an event for each, after the task's.
    const second = (await ok('GET', `/api/tasks/${task.id}/comments/`)).results[0];
    events = [];
    await ok('DELETE', `/api/tasks/${task.id}/`);
    assert.deepEqual(events.map((e) => [e.model, e.action, e.id]), [['task', 'remove', task.id], ['comment', 'remove', second.id]]);
    assert.equal((events[1]!.body as any).body, 'second');
    // The browsable API shows labels as every other list.
    const html = await fetch(`${app.url}/api/labels/`, { headers: { Authorization: `Token ${tokens.demo}`, Accept: 'text/html' } });
    assert.match(await html.text(), /<h1 class="h3">Label List<\/h1>/);
  });

  it('links, describes and documents labels, comments, points, velocity and WIP limits', async () => {
    const root = await ok('GET', '/api/');
    assert.equal(root.labels, `${app.url}/api/labels/`);
    assert.equal(root.task_comments, `${app.url}/api/tasks/{id}/comments/`);
    assert.equal(root.sprint_velocity, `${app.url}/api/sprints/velocity/`);
    const options = await ok('OPTIONS', '/api/labels/');
    assert.deepEqual(options.actions.POST.colour.choices.map((c: any) => c.value), LABEL_COLOURS.map((c) => c.name));
    const taskOptions = await ok('OPTIONS', '/api/tasks/');
    assert.deepEqual(
      { points: taskOptions.actions.POST.points.min_value, max: taskOptions.actions.POST.points.max_value, labels: taskOptions.actions.POST.labels.type },
      { points: 0, max: 100, labels: 'field' },
    );
    const task = await ok('POST', '/api/tasks/', { name: 'Schema' });
    const commentOptions = await ok('OPTIONS', `/api/tasks/${task.id}/comments/`);
    assert.deepEqual(Object.keys(commentOptions.actions.POST), ['id', 'task', 'author', 'body', 'created', 'edited', 'links']);
    const schema = await ok('GET', '/api/schema/');
    for (const path of ['/api/labels/', '/api/labels/{id}/', '/api/tasks/{task}/comments/', '/api/tasks/{task}/comments/{id}/', '/api/sprints/velocity/']) assert.ok(schema.paths[path], path);
    assert.deepEqual(schema.components.schemas.Task.properties.points.type, ['integer', 'null']);
    assert.deepEqual(schema.components.schemas.Label.properties.colour.enum, LABEL_COLOURS.map((c) => c.name));
    assert.ok(schema.paths['/api/tasks/'].get.parameters.some((p: any) => p.name === 'label'));
    const html = await fetch(`${app.url}/api/tasks/${task.id}/comments/`, { headers: { Authorization: `Token ${tokens.demo}`, Accept: 'text/html' } });
    assert.equal(html.status, 200);
    assert.match(await html.text(), /<h1 class="h3">Comment List<\/h1>/);
  });
});
