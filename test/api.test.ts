// The REST API's resources over real HTTP: representations, validation with
// the book's messages, filters and pagination, conditional requests, bodies
// and Backbone's emulation modes, OPTIONS, the browsable API, the schema,
// and the events every write publishes.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createBoard, type Board } from '../src/board/index.ts';
import { errorHandler } from '../src/http.ts';
import { MODEL_EVENTS_TOPIC, type ModelEvent } from '../src/realtime/pubsub.ts';
import { loadSettings } from '../src/settings.ts';
import { boardDatabase } from './helpers.ts';

interface Harness {
  url: string;
  board: Board;
  events: ModelEvent[];
  close(): Promise<void>;
}

/** The board's API alone, mounted at /api as app.ts mounts it, so tests can reach its store and events. */
async function startBoard(env: Record<string, string> = {}): Promise<Harness> {
  const settings = loadSettings({ ...(await boardDatabase()), SERVICES: 'board', ...env });
  const log = () => {};
  const board = await createBoard({ settings, log });
  const app = new Hono();
  app.onError(errorHandler(settings, log));
  app.route('/api', board.api);
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  const events: ModelEvent[] = [];
  board.pubsub.subscribe(MODEL_EVENTS_TOPIC, (message) => events.push(JSON.parse(message) as ModelEvent));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    board,
    events,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await board.close();
    },
  };
}

interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

let h: Harness;
let token: string;

async function call(method: string, url: string, options: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string>; body?: BodyInit } = {}): Promise<Reply> {
  const headers: Record<string, string> = { Authorization: `Token ${token}`, ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['Content-Type'] ??= 'application/json';
  } else if (options.form) {
    body = new URLSearchParams(options.form);
  }
  const response = await fetch(url.startsWith('http') ? url : `${h.url}${url}`, { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let parsed: unknown = null;
  if ((response.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed, text };
}

const day = (offset: number): string => {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

let nextEnd = 100;
/** A sprint ending in the future, each on its own date. */
async function newSprint(fields: Record<string, unknown> = {}): Promise<any> {
  const reply = await call('POST', '/api/sprints/', { json: { name: 'Sprint', end: day(nextEnd++), ...fields } });
  assert.equal(reply.status, 201, reply.text);
  return reply.body;
}

async function newTask(fields: Record<string, unknown> = {}): Promise<any> {
  const reply = await call('POST', '/api/tasks/', { json: { name: 'Task', ...fields } });
  assert.equal(reply.status, 201, reply.text);
  return reply.body;
}

/** A sprint that ended already: the API refuses to make one, so it goes straight into the store. */
async function pastSprint(): Promise<number> {
  const row = await h.board.store.transaction((tx) => tx.insert('sprint', { name: 'Past', description: '', end: day(-(nextEnd++)) }));
  return row.id;
}

before(async () => {
  h = await startBoard();
  const reply = await fetch(`${h.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'test' }) });
  token = ((await reply.json()) as { token: string }).token;
});
after(() => h.close());

describe('URLs', () => {
  it('answers every URL with and without its trailing slash, for every method, without redirects', async () => {
    const sprint = await newSprint();
    for (const slash of ['/', '']) {
      assert.equal((await call('GET', `/api${slash}`)).status, 200);
      assert.equal((await call('GET', `/api/sprints${slash}`)).status, 200);
      const task = await call('POST', `/api/tasks${slash}`, { json: { name: 'slash' } });
      assert.equal(task.status, 201);
      assert.equal((await call('GET', `/api/tasks/${task.body.id}${slash}`)).status, 200);
      assert.equal((await call('PUT', `/api/tasks/${task.body.id}${slash}`, { json: { name: 'put' } })).status, 200);
      assert.equal((await call('PATCH', `/api/tasks/${task.body.id}${slash}`, { json: { order: 3 } })).status, 200);
      assert.equal((await call('OPTIONS', `/api/tasks/${task.body.id}${slash}`)).status, 200);
      assert.equal((await call('DELETE', `/api/tasks/${task.body.id}${slash}`)).status, 204);
      assert.equal((await call('GET', `/api/users/demo${slash}`)).status, 200);
      assert.equal((await call('GET', `/api/sprints/${sprint.id}${slash}`)).status, 200);
    }
  });

  it('answers 404 {"detail": "Not found."} for unknown ids, usernames and paths', async () => {
    for (const url of ['/api/tasks/999999/', '/api/sprints/999999', '/api/users/nobody/', '/api/tasks/abc/', '/api/elsewhere/']) {
      const reply = await call('GET', url);
      assert.equal(reply.status, 404, url);
      assert.deepEqual(reply.body, { detail: 'Not found.' });
      assert.equal(reply.headers.get('vary'), 'Accept, Authorization', `${url}: HTML or JSON by Accept, so caches must tell them apart`);
    }
    assert.equal((await call('DELETE', '/api/tasks/999999/')).status, 404);
  });

  it('keeps users read-only: 405 with Allow', async () => {
    for (const [method, url] of [['POST', '/api/users/'], ['PUT', '/api/users/demo/'], ['PATCH', '/api/users/demo'], ['DELETE', '/api/users/demo/']] as const) {
      const reply = await call(method, url, { json: {} });
      assert.equal(reply.status, 405, `${method} ${url}`);
      assert.deepEqual(reply.body, { detail: `Method "${method}" not allowed.` });
      assert.equal(reply.headers.get('allow'), 'GET, HEAD, OPTIONS');
    }
    assert.equal((await call('DELETE', '/api/tasks/')).headers.get('allow'), 'GET, POST, HEAD, OPTIONS');
  });

  it('shows users as the book does, sorted by username', async () => {
    const reply = await call('GET', '/api/users/');
    const demo = reply.body.results.find((u: { username: string }) => u.username === 'demo');
    assert.deepEqual(demo, {
      id: demo.id,
      username: 'demo',
      full_name: 'Demo User',
      is_active: true,
      links: { self: `${h.url}/api/users/demo/`, tasks: `${h.url}/api/tasks/?assigned=demo` },
    });
    assert.equal((await call('GET', '/api/users/?search=DEM')).body.count, 1);
    assert.equal((await call('GET', '/api/users/?search=zzz')).body.count, 0);
  });
});

describe('validation', () => {
  it('reports every field error at once, with DRF messages', async () => {
    const reply = await call('POST', '/api/tasks/', {
      json: { name: 'x'.repeat(101), sprint: 99999, status: 7, assigned: 'bob', started: '17/08/2014', order: 'first' },
    });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body, {
      name: ['Ensure this field has no more than 100 characters.'],
      sprint: ['Invalid pk "99999" - object does not exist.'],
      status: ['"7" is not a valid choice.'],
      order: ['A valid integer is required.'],
      assigned: ['Object with username=bob does not exist.'],
      started: ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'],
    });
    assert.deepEqual((await call('POST', '/api/tasks/', { json: {} })).body, { name: ['This field is required.'] });
    assert.deepEqual((await call('POST', '/api/tasks/', { json: { name: '  ' } })).body, { name: ['This field may not be blank.'] });
    assert.deepEqual((await call('POST', '/api/tasks/', { json: { name: null } })).body, { name: ['This field may not be null.'] });
    assert.deepEqual((await call('POST', '/api/sprints/', { json: { end: '2030-02-30' } })).body, {
      end: ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'],
    });
    assert.deepEqual((await call('POST', '/api/tasks/', { json: ['name'] })).body, { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
    assert.deepEqual((await call('POST', '/api/tasks/', { json: { name: 'n', order: 40000 } })).body, { order: ['Ensure this value is less than or equal to 32767.'] });
  });

  it('checks sprint end dates as the book does', async () => {
    assert.deepEqual((await call('POST', '/api/sprints/', { json: { end: day(-1) } })).body, { end: ['End date cannot be in the past.'] });
    const sprint = await newSprint();
    assert.deepEqual((await call('POST', '/api/sprints/', { json: { end: sprint.end } })).body, { end: ['sprint with this end already exists.'] });
    // Updating a past sprint is fine as long as its end stays.
    const past = await pastSprint();
    const pastEnd = (await call('GET', `/api/sprints/${past}/`)).body.end;
    assert.equal((await call('PUT', `/api/sprints/${past}/`, { json: { name: 'Renamed', end: pastEnd } })).status, 200);
    assert.deepEqual((await call('PATCH', `/api/sprints/${past}/`, { json: { end: day(-1) } })).body, { end: ['End date cannot be in the past.'] });
    assert.equal((await call('PATCH', `/api/sprints/${sprint.id}/`, { json: { end: sprint.end } })).status, 200, 'its own end is not a duplicate');
  });

  it('checks task sprints as the book does', async () => {
    const past = await pastSprint();
    assert.deepEqual((await call('POST', '/api/tasks/', { json: { name: 'n', sprint: past } })).body, { sprint: ['Cannot add tasks to past sprints.'] });
    const task = await newTask();
    assert.deepEqual((await call('PATCH', `/api/tasks/${task.id}/`, { json: { sprint: past } })).body, { sprint: ['Cannot assign tasks to past sprints.'] });
    const sprint = await newSprint();
    const done = await newTask({ sprint: sprint.id, status: 4, completed: day(0) });
    const other = await newSprint();
    assert.deepEqual((await call('PATCH', `/api/tasks/${done.id}/`, { json: { sprint: other.id } })).body, {
      sprint: ['Cannot change the sprint of a completed task.'],
    });
    assert.equal((await call('PATCH', `/api/tasks/${done.id}/`, { json: { sprint: sprint.id, name: 'same sprint' } })).status, 200);
  });

  it('checks tasks across fields, against the stored task on updates', async () => {
    const reply = await call('POST', '/api/tasks/', { json: { name: 'n', status: 2, started: day(0), completed: day(0) } });
    assert.deepEqual(reply.body, {
      non_field_errors: ['Backlog tasks must have "Not Started" status.', 'Completed date cannot be set for uncompleted tasks.'],
    });
    assert.deepEqual((await call('POST', '/api/tasks/', { json: { name: 'n', started: day(0) } })).body, {
      non_field_errors: ['Started date cannot be set for not started tasks.'],
    });
    const sprint = await newSprint();
    const task = await newTask({ sprint: sprint.id });
    // A PATCH of the status alone is judged with the task's stored sprint.
    assert.equal((await call('PATCH', `/api/tasks/${task.id}/`, { json: { status: 2 } })).status, 200);
    assert.deepEqual((await call('PATCH', `/api/tasks/${task.id}/`, { json: { sprint: null } })).body, {
      non_field_errors: ['Backlog tasks must have "Not Started" status.'],
    });
  });

  it('ignores read-only fields, as Backbone sends the whole model back', async () => {
    const task = await newTask();
    const reply = await call('PUT', `/api/tasks/${task.id}/`, { json: { ...task, id: 424242, status_display: 'Done', links: 'nonsense', name: 'Renamed' } });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.id, task.id);
    assert.equal(reply.body.status_display, 'Not Started');
    assert.equal(reply.body.name, 'Renamed');
  });

  it('keeps absent fields on PUT, requires the required ones, and treats empty form values as none', async () => {
    const sprint = await newSprint();
    const task = await newTask({ description: 'kept', due: day(3), sprint: sprint.id });
    assert.deepEqual((await call('PUT', `/api/tasks/${task.id}/`, { json: { description: 'x' } })).body, { name: ['This field is required.'] });
    const put = await call('PUT', `/api/tasks/${task.id}/`, { json: { name: 'Only name' } });
    assert.equal(put.body.description, 'kept');
    assert.equal(put.body.due, day(3));
    const form = await call('PUT', `/api/tasks/${task.id}/`, { form: { name: 'Form', due: '', sprint: '', assigned: '' } });
    assert.equal(form.status, 200, form.text);
    assert.equal(form.body.due, null);
    assert.equal(form.body.sprint, null);
  });
});

describe('lists', () => {
  let sprintA: any;
  let sprintB: any;
  before(async () => {
    sprintA = await newSprint({ name: 'Alpha release' });
    sprintB = await newSprint({ name: 'Beta' });
    await newTask({ name: 'Écrire la documentation', description: 'README and API', sprint: sprintA.id, order: 2 });
    await newTask({ name: 'Fix login bug', sprint: sprintA.id, status: 2, assigned: 'demo', started: day(0), order: 1 });
    await newTask({ name: 'Release notes', sprint: sprintB.id, status: 4, completed: day(0), order: 3 });
    await newTask({ name: 'Backlog idea', description: 'someday', order: -1 });
  });

  const names = (reply: Reply) => reply.body.results.map((t: { name: string }) => t.name);

  it('filters tasks by sprint, status, assigned and backlog', async () => {
    assert.deepEqual(names(await call('GET', `/api/tasks/?sprint=${sprintA.id}`)), ['Fix login bug', 'Écrire la documentation']);
    assert.deepEqual(names(await call('GET', `/api/tasks/?sprint=${sprintA.id}&status=2`)), ['Fix login bug']);
    assert.deepEqual(names(await call('GET', '/api/tasks/?assigned=demo')), ['Fix login bug']);
    const backlog = names(await call('GET', '/api/tasks/?backlog=True'));
    assert.ok(backlog.includes('Backlog idea'));
    assert.ok(!backlog.includes('Release notes'));
    const planned = names(await call('GET', '/api/tasks/?backlog=False'));
    assert.ok(planned.includes('Release notes') && !planned.includes('Backlog idea'));
    assert.equal((await call('GET', '/api/tasks/?assigned=nobody')).body.count, 0);
  });

  it('filters sprints by end date', async () => {
    const ends = (reply: Reply) => reply.body.results.map((s: { end: string }) => s.end);
    const reply = await call('GET', `/api/sprints/?end_min=${sprintA.end}&end_max=${sprintB.end}`);
    assert.deepEqual(ends(reply), [sprintA.end, sprintB.end]);
    assert.deepEqual(ends(await call('GET', `/api/sprints/?end_min=${sprintB.end}&end_max=${sprintB.end}`)), [sprintB.end]);
  });

  it('searches case-insensitively, every word having to match, beyond ASCII', async () => {
    assert.deepEqual(names(await call('GET', '/api/tasks/?search=écrire readme')), ['Écrire la documentation']);
    assert.deepEqual(names(await call('GET', '/api/tasks/?search=ÉCRIRE')), ['Écrire la documentation']);
    assert.deepEqual(names(await call('GET', '/api/tasks/?search=release,notes')), ['Release notes']);
    assert.equal((await call('GET', '/api/tasks/?search=release%20zebra')).body.count, 0);
    assert.equal((await call('GET', `/api/tasks/?search=${encodeURIComponent("%' OR 1=1 --")}`)).body.count, 0);
    assert.deepEqual(
      (await call('GET', '/api/sprints/?search=alpha')).body.results.map((s: { id: number }) => s.id),
      [sprintA.id],
    );
  });

  it('orders by the declared fields, descending with "-", in comma lists', async () => {
    const orders = (await call('GET', '/api/tasks/?ordering=-order,name&page_size=100')).body.results.map((t: { order: number }) => t.order);
    assert.ok(new Set(orders).size > 2);
    assert.deepEqual(orders, [...orders].sort((a: number, b: number) => b - a));
    assert.deepEqual(names(await call('GET', `/api/tasks/?sprint=${sprintA.id}&ordering=-name`)), ['Écrire la documentation', 'Fix login bug']);
    const byName = names(await call('GET', '/api/tasks/?ordering=name&page_size=100'));
    assert.deepEqual(byName, [...byName].sort());
    const sprintNames = (await call('GET', '/api/sprints/?ordering=-name&page_size=100')).body.results.map((s: { name: string }) => s.name);
    assert.deepEqual(sprintNames, [...sprintNames].sort().reverse());
  });

  it('refuses malformed filter values with 400 naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['/api/tasks/?sprint=abc', 'sprint'],
      ['/api/tasks/?status=7', 'status'],
      ['/api/tasks/?backlog=maybe', 'backlog'],
      ['/api/sprints/?end_min=yesterday', 'end_min'],
      ['/api/sprints/?end_max=2030-13-01', 'end_max'],
      ['/api/tasks/?ordering=password', 'ordering'],
      ['/api/sprints/?ordering=-description', 'ordering'],
      ['/api/tasks/?page_size=lots', 'page_size'],
      [`/api/tasks/?search=${'a '.repeat(11)}`, 'search'],
      [`/api/tasks/?search=${'a'.repeat(501)}`, 'search'],
    ];
    for (const [url, parameter] of cases) {
      const reply = await call('GET', url);
      assert.equal(reply.status, 400, url);
      assert.deepEqual(Object.keys(reply.body), [parameter], url);
      assert.ok(reply.body[parameter][0].length > 5);
    }
  });

  it('orders by each allowed field at most once, and answers 400 naming the rule for more, never a 500', async () => {
    const all = '-name,order,started,due,completed';
    assert.equal((await call('GET', `/api/tasks/?ordering=${all}`)).status, 200, 'every field once');
    const cases: Array<[string, RegExp]> = [
      [`/api/tasks/?ordering=${Array(2000).fill('name').join(',')}`, /^"name" is given more than once\. Name each field at most once: name, order, started, due, completed/],
      [`/api/sprints/?ordering=${Array(2000).fill('-end').join(',')}`, /^"end" is given more than once\. Name each field at most once: end, name/],
      ['/api/tasks/?ordering=name,-name', /^"name" is given more than once/],
      ['/api/users/?ordering=username,username', /^"username" is given more than once/],
      [`/api/tasks/?ordering=${all},${'x,'.repeat(1000)}`, /^"x" is not a valid ordering/],
    ];
    for (const [url, detail] of cases) {
      const reply = await call('GET', url);
      assert.equal(reply.status, 400, url.slice(0, 60));
      assert.deepEqual(Object.keys(reply.body), ['ordering']);
      assert.match(reply.body.ordering[0], detail);
    }
  });

  it('answers 400 for a list parameter given twice, rather than silently using one of them', async () => {
    const cases: Array<[string, string]> = [
      ['/api/tasks/?ordering=name&ordering=-name', 'ordering'],
      ['/api/sprints/?ordering=end&ordering=name', 'ordering'],
      ['/api/users/?search=a&search=b', 'search'],
      ['/api/tasks/?status=1&status=2', 'status'],
      ['/api/tasks/?sprint=1&sprint=2', 'sprint'],
      ['/api/sprints/?end_min=2026-01-01&end_min=2027-01-01', 'end_min'],
      ['/api/tasks/?page=1&page=2', 'page'],
      ['/api/tasks/?page_size=5&page_size=50', 'page_size'],
    ];
    for (const [url, parameter] of cases) {
      const reply = await call('GET', url);
      assert.equal(reply.status, 400, url);
      assert.deepEqual(reply.body, { [parameter]: [`"${parameter}" is given more than once. Give each list parameter at most once.`] }, url);
    }
  });

  it('pages with absolute next/previous links, a Link header, and page_size up to 100', async () => {
    for (let i = 0; i < 27; i++) await newTask({ name: `Paged ${String(i).padStart(2, '0')}`, description: 'paging' });
    const first = await call('GET', '/api/tasks/?search=paging');
    assert.equal(first.body.count, 27);
    assert.equal(first.body.results.length, 25);
    assert.equal(first.body.previous, null);
    assert.equal(first.body.next, `${h.url}/api/tasks/?search=paging&page=2`);
    assert.equal(first.headers.get('link'), `<${h.url}/api/tasks/?search=paging&page=2>; rel="next"`);
    const second = await call('GET', first.body.next);
    assert.equal(second.body.results.length, 2);
    assert.equal(second.body.next, null);
    assert.equal(second.body.previous, `${h.url}/api/tasks/?search=paging`);
    assert.equal((await call('GET', '/api/tasks/?search=paging&page=last')).body.results.length, 2);
    assert.equal((await call('GET', '/api/tasks/?search=paging&page_size=10&page=3')).body.results.length, 7);
    assert.equal((await call('GET', '/api/tasks/?page_size=500')).body.results.length, Math.min(100, (await call('GET', '/api/tasks/')).body.count));
    for (const page of ['3', '0', 'two']) {
      const reply = await call('GET', `/api/tasks/?search=paging&page=${page}`);
      assert.equal(reply.status, 404);
      assert.deepEqual(reply.body, { detail: 'Invalid page.' });
    }
    assert.equal((await call('GET', '/api/tasks/?search=nothing-like-this')).status, 200, 'an empty first page is fine');
  });
});

describe('conditional requests', () => {
  it('gives one object a strong ETag from its stored version, and 304 for If-None-Match', async () => {
    const sprint = await newSprint();
    const first = await call('GET', `/api/sprints/${sprint.id}/`);
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[^"]+"$/);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await call('GET', `/api/sprints/${sprint.id}/`);
    assert.notEqual(again.body.links.channel, first.body.links.channel, 'the channel signature is fresh');
    assert.equal(again.headers.get('etag'), etag, 'yet the ETag is that of the stored row');
    const notModified = await call('GET', `/api/sprints/${sprint.id}/`, { headers: { 'If-None-Match': etag } });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.text, '');
    await call('PATCH', `/api/sprints/${sprint.id}/`, { json: { name: 'changed' } });
    const changed = await call('GET', `/api/sprints/${sprint.id}/`, { headers: { 'If-None-Match': etag } });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
  });

  it('refuses a write with a stale If-Match (412) and accepts a fresh one', async () => {
    const task = await newTask();
    const etag = (await call('GET', `/api/tasks/${task.id}/`)).headers.get('etag')!;
    const first = await call('PATCH', `/api/tasks/${task.id}/`, { json: { name: 'first' }, headers: { 'If-Match': etag } });
    assert.equal(first.status, 200);
    const stale = await call('PATCH', `/api/tasks/${task.id}/`, { json: { name: 'second' }, headers: { 'If-Match': etag } });
    assert.equal(stale.status, 412);
    assert.ok(stale.body.detail);
    assert.equal((await call('GET', `/api/tasks/${task.id}/`)).body.name, 'first');
    assert.equal((await call('DELETE', `/api/tasks/${task.id}/`, { headers: { 'If-Match': etag } })).status, 412);
    assert.equal((await call('PUT', `/api/tasks/${task.id}/`, { json: { name: 'third' }, headers: { 'If-Match': first.headers.get('etag')! } })).status, 200);
    assert.equal((await call('PATCH', `/api/tasks/${task.id}/`, { json: { name: 'any' } })).status, 200, 'no If-Match, no check');
  });
});

describe('request bodies', () => {
  it('reads JSON, form-encoded and multipart bodies', async () => {
    const multipart = new FormData();
    multipart.set('name', 'From multipart');
    multipart.set('order', '5');
    const fromMultipart = await call('POST', '/api/tasks/', { body: multipart });
    assert.equal(fromMultipart.status, 201, fromMultipart.text);
    assert.equal(fromMultipart.body.order, 5);
    assert.equal((await call('POST', '/api/tasks/', { form: { name: 'From form', order: '6' } })).body.order, 6);
    assert.equal((await call('POST', '/api/tasks/', { json: { name: 'From JSON', order: 7 } })).body.order, 7);
  });

  it('explains malformed, oversized and unsupported bodies', async () => {
    const malformed = await call('POST', '/api/tasks/', { body: '{"name": ', headers: { 'Content-Type': 'application/json' } });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.detail, /^JSON parse error - /);
    const huge = await call('POST', '/api/tasks/', { json: { name: 'big', description: 'x'.repeat(1024 * 1024) } });
    assert.equal(huge.status, 413);
    const text = await call('POST', '/api/tasks/', { body: 'name=x', headers: { 'Content-Type': 'text/plain' } });
    assert.equal(text.status, 415);
    assert.deepEqual(text.body, { detail: 'Unsupported media type "text/plain" in request.' });
    const xml = await call('GET', '/api/tasks/', { headers: { Accept: 'application/xml' } });
    assert.equal(xml.status, 406);
    assert.deepEqual(xml.body, { detail: 'Could not satisfy the request Accept header.' });
  });

  it("honours Backbone's emulateHTTP and emulateJSON on POST only", async () => {
    const task = await newTask();
    const viaHeader = await call('POST', `/api/tasks/${task.id}/`, { json: { name: 'via header' }, headers: { 'X-HTTP-Method-Override': 'PATCH' } });
    assert.equal(viaHeader.status, 200);
    assert.equal(viaHeader.body.name, 'via header');
    const viaField = await call('POST', `/api/tasks/${task.id}`, { form: { _method: 'PUT', model: JSON.stringify({ name: 'via model field' }) } });
    assert.equal(viaField.status, 200, viaField.text);
    assert.equal(viaField.body.name, 'via model field');
    const created = await call('POST', '/api/tasks/', { form: { model: JSON.stringify({ name: 'emulated JSON', order: 9 }) } });
    assert.equal(created.status, 201);
    assert.equal(created.body.order, 9);
    // Not on other methods: a PUT stays a PUT.
    assert.equal((await call('PUT', `/api/tasks/${task.id}/`, { json: { name: 'still here' }, headers: { 'X-HTTP-Method-Override': 'DELETE' } })).status, 200);
    const bogus = await call('POST', `/api/tasks/${task.id}/`, { form: { _method: 'TRACE' } });
    assert.equal(bogus.status, 400);
    const deleted = await call('POST', `/api/tasks/${task.id}/`, { headers: { 'X-HTTP-Method-Override': 'DELETE' } });
    assert.equal(deleted.status, 204);
    assert.equal((await call('GET', `/api/tasks/${task.id}/`)).status, 404);
  });
});

describe('OPTIONS', () => {
  it('describes endpoints as DRF does, with field metadata for writable ones', async () => {
    const reply = await call('OPTIONS', '/api/tasks/');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('allow'), 'GET, POST, HEAD, OPTIONS');
    assert.equal(reply.body.name, 'Task List');
    assert.deepEqual(reply.body.renders, ['application/json', 'text/html']);
    assert.deepEqual(reply.body.parses, ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data']);
    const post = reply.body.actions.POST;
    assert.deepEqual(Object.keys(post), ['id', 'name', 'description', 'sprint', 'status', 'status_display', 'order', 'assigned', 'started', 'due', 'completed', 'links', 'points', 'labels']);
    assert.deepEqual(post.name, { type: 'string', required: true, read_only: false, label: 'Name', max_length: 100 });
    assert.deepEqual(post.id, { type: 'integer', required: false, read_only: true, label: 'ID' });
    assert.deepEqual(post.status.choices[0], { value: 1, display_name: 'Not Started' });
    assert.equal(post.started.type, 'date');
    const detail = await call('OPTIONS', `/api/tasks/${(await newTask()).id}/`);
    assert.equal(detail.body.name, 'Task Instance');
    assert.ok(detail.body.actions.PUT);
    const users = await call('OPTIONS', '/api/users/');
    assert.equal(users.body.actions, undefined);
    assert.equal((await fetch(`${h.url}/api/tasks/`, { method: 'OPTIONS' })).status, 401, 'OPTIONS needs credentials too');
  });
});

describe('the browsable API', () => {
  const browser = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

  it('shows the same response as HTML with links and forms, related objects as text inputs', async () => {
    const sprint = await newSprint();
    const task = await newTask({ sprint: sprint.id });
    const detail = await call('GET', `/api/tasks/${task.id}/`, { headers: browser });
    assert.equal(detail.status, 200);
    assert.match(detail.headers.get('content-type')!, /^text\/html/);
    assert.equal(detail.headers.get('vary'), 'Accept, Authorization');
    assert.ok(detail.text.includes(`<a href="${h.url}/api/sprints/${sprint.id}/" rel="nofollow">`));
    assert.ok(detail.text.includes('&quot;status_display&quot;: &quot;Not Started&quot;'), 'pretty-printed JSON');
    assert.match(detail.text, /<input type="hidden" name="_method" value="PUT">/);
    assert.match(detail.text, /value="PATCH"/);
    assert.match(detail.text, /DELETE<\/button>/);
    assert.match(detail.text, /<input type="text" id="field-sprint" name="sprint"[^>]*value="\d+"/);
    assert.doesNotMatch(detail.text, /<select[^>]*name="sprint"/);
    const list = await call('GET', '/api/tasks/', { headers: browser });
    assert.match(list.text, /HTML form: POST/);
    assert.doesNotMatch(list.text, /name="_method" value="PUT"/);
    const json = await call('GET', `/api/tasks/${task.id}/?format=json`, { headers: browser });
    assert.deepEqual(json.body.id, task.id);
  });

  it('accepts its own forms: a POST of form fields, and a PUT through _method', async () => {
    const created = await call('POST', '/api/tasks/', { form: { name: 'From the browser', description: '', sprint: '', status: '1', order: '0', assigned: '', started: '', due: '', completed: '' }, headers: browser });
    assert.equal(created.status, 201);
    const id = /&quot;id&quot;: (\d+)/.exec(created.text)?.[1];
    assert.ok(id, 'the page shows the new object');
    const updated = await call('POST', `/api/tasks/${id}/`, { form: { _method: 'PUT', name: 'Renamed in browser', status: '1' }, headers: browser });
    assert.equal(updated.status, 200);
    assert.equal((await call('GET', `/api/tasks/${id}/`)).body.name, 'Renamed in browser');
  });

  it('prompts a browser for Basic credentials, and never a script', async () => {
    const page = await fetch(`${h.url}/api/tasks/`, { headers: browser });
    assert.equal(page.status, 401);
    assert.equal(page.headers.get('www-authenticate'), 'Basic realm="api"');
    const script = await fetch(`${h.url}/api/tasks/`, { headers: { Accept: 'application/json' } });
    assert.equal(script.headers.get('www-authenticate'), 'Token');
  });
});

describe('the OpenAPI schema', () => {
  it('describes every resource from the same declarations', async () => {
    const reply = await call('GET', '/api/schema/');
    assert.equal(reply.status, 200);
    const doc = reply.body;
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers, [{ url: h.url }]);
    for (const path of ['/api/', '/api/token/', '/api/sprints/', '/api/sprints/{id}/', '/api/tasks/', '/api/tasks/{id}/', '/api/users/', '/api/users/{username}/']) {
      assert.ok(doc.paths[path], path);
    }
    assert.deepEqual(Object.keys(doc.paths['/api/tasks/{id}/']).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
    assert.deepEqual(Object.keys(doc.paths['/api/users/{username}/']).sort(), ['get', 'parameters']);
    const task = await newTask();
    assert.deepEqual(Object.keys(doc.components.schemas.Task.properties), Object.keys(task));
    assert.deepEqual(doc.components.schemas.TaskInput.required, ['name']);
    const parameters = doc.paths['/api/tasks/'].get.parameters.map((p: { name: string }) => p.name);
    for (const name of ['page', 'page_size', 'sprint', 'status', 'assigned', 'backlog', 'search', 'ordering']) assert.ok(parameters.includes(name), name);
    assert.deepEqual(doc.components.schemas.Task.properties.sprint.type, ['integer', 'null']);
  });
});

describe('deletions and events', () => {
  it('publishes every write as {model, id, action, body} with body the API representation', async () => {
    h.events.length = 0;
    const sprint = await newSprint();
    const task = await newTask({ sprint: sprint.id });
    const patched = (await call('PATCH', `/api/tasks/${task.id}/`, { json: { order: 4 } })).body;
    await call('DELETE', `/api/tasks/${task.id}/`);
    await call('PATCH', `/api/tasks/${task.id + 1000}/`, { json: { order: 4 } });
    await call('POST', '/api/tasks/', { json: {} });
    const strip = (body: any) => ({ ...body, links: { ...body.links, channel: undefined } });
    assert.deepEqual(
      h.events.map((e) => ({ ...e, body: strip(e.body) })),
      [
        { model: 'sprint', id: sprint.id, action: 'add', body: strip(sprint) },
        { model: 'task', id: task.id, action: 'add', body: strip(task) },
        { model: 'task', id: task.id, action: 'update', body: strip(patched) },
        { model: 'task', id: task.id, action: 'remove', body: strip(patched) },
      ],
    );
  });

  it('moves the tasks of a deleted sprint to the backlog, not started, and says so', async () => {
    const sprint = await newSprint();
    const started = await newTask({ sprint: sprint.id, status: 2, started: day(0) });
    const done = await newTask({ sprint: sprint.id, status: 4, started: day(0), completed: day(0), due: day(1) });
    h.events.length = 0;
    assert.equal((await call('DELETE', `/api/sprints/${sprint.id}/`)).status, 204);
    for (const task of [started, done]) {
      const now = (await call('GET', `/api/tasks/${task.id}/`)).body;
      assert.deepEqual([now.sprint, now.status, now.started, now.completed, now.due], [null, 1, null, null, task.due]);
      assert.equal(now.links.sprint, null);
    }
    assert.deepEqual(h.events.map((e) => [e.model, e.id, e.action]), [['sprint', sprint.id, 'remove'], ['task', started.id, 'update'], ['task', done.id, 'update']]);
    assert.equal(h.events[1]!.body && (h.events[1]!.body as { status: number }).status, 1);
  });

  it('unassigns the tasks of a deleted user', async () => {
    const store = h.board.store;
    await store.transaction((tx) => tx.createUser({ username: 'leaving', fullName: '', password: 'unused' }));
    const task = await newTask({ assigned: 'leaving' });
    assert.equal(task.links.assigned, `${h.url}/api/users/leaving/`);
    const changed = await store.transaction((tx) => tx.deleteUser('leaving'));
    assert.deepEqual(changed?.map(({ model, id }) => ({ model, id })), [{ model: 'task', id: task.id }]);
    const now = (await call('GET', `/api/tasks/${task.id}/`)).body;
    assert.equal(now.assigned, null);
    assert.equal(now.links.assigned, null);
  });
});

describe('absolute URLs behind a proxy', () => {
  it('honours X-Forwarded-Proto/-Host only with TRUST_PROXY=on', async () => {
    const forwarded = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'board.example.com' };
    assert.equal((await call('GET', '/api/', { headers: forwarded })).body.tasks, `${h.url}/api/tasks/`);
    const proxied = await startBoard({ TRUST_PROXY: 'on' });
    try {
      const root = await fetch(`${proxied.url}/api/`, { headers: forwarded });
      assert.equal(((await root.json()) as { tasks: string }).tasks, 'https://board.example.com/api/tasks/');
      const login = await fetch(`${proxied.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'test' }) });
      const key = ((await login.json()) as { token: string }).token;
      const sprint = await fetch(`${proxied.url}/api/sprints/`, {
        method: 'POST',
        headers: { ...forwarded, Authorization: `Token ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ end: day(5) }),
      });
      const body = (await sprint.json()) as { links: { self: string; channel: string } };
      assert.equal(body.links.self.split('/api/')[0], 'https://board.example.com');
      assert.match(body.links.channel, /^wss:\/\/board\.example\.com\/socket\?channel=/);
    } finally {
      await proxied.close();
    }
  });
});
