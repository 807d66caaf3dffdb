// A task's place in its column over real HTTP: sparse orders, one write per
// move, and `?before=<id>` / `?after=<id>` making room by renumbering the
// column only when no order fits, without a word in anyone's history.
// Old clients that renumber the neighbours themselves keep working.
// postgres-api.test.ts runs it again on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { byOrder, planMove, type Placed } from '../src/board/client/columns.ts';
import { startApp, type Running } from './helpers.ts';

let app: Running;
let token: string;

before(async () => {
  app = await startApp({ SERVICES: 'board' });
  const response = await fetch(`${app.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'test' }) });
  token = ((await response.json()) as { token: string }).token;
});
after(() => app.close());

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { Authorization: `Token ${token}`, Accept: 'application/json', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function ok(method: string, path: string, body?: unknown): Promise<any> {
  const reply = await call(method, path, body);
  assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

let sprintDay = 0;
const newSprint = async (name: string) => ok('POST', '/api/sprints/', { name, end: `2031-0${1 + (sprintDay % 9)}-${String(10 + Math.floor(sprintDay++ / 9)).padStart(2, '0')}` });

/** The column's tasks as the API sorts them. */
async function columnOf(sprint: number, status: number): Promise<Placed[]> {
  const page = await ok('GET', `/api/tasks/?sprint=${sprint}&status=${status}&page_size=100`);
  return (page.results as any[]).map((t) => ({ id: t.id, order: t.order, sprint: t.sprint, status: t.status }));
}

const historyLength = async (id: number) => (await ok('GET', `/api/tasks/${id}/history/`)).count as number;

describe('task order', () => {
  it('takes many inserts at one position with one write each, renumbering only when no order fits, never as history', { timeout: 60_000 }, async () => {
    const sprint = await newSprint('Crowded');
    const first = await ok('POST', '/api/tasks/', { name: 'First', sprint: sprint.id, status: 2, order: 0 });
    const last = await ok('POST', '/api/tasks/', { name: 'Last', sprint: sprint.id, status: 2, order: 1 });
    const expected = [first.id];
    let renumberings = 0;
    for (let i = 0; i < 40; i++) {
      // Each new task goes right after First: always the same place, the gap halving each time.
      const moved = await ok('POST', '/api/tasks/', { name: `Inserted ${i}`, sprint: sprint.id, status: 1 });
      const before = await columnOf(sprint.id, 2);
      const plan = planMove(before, { id: moved.id, order: moved.order, sprint: sprint.id, status: 1 }, before[1]!.id)!;
      const query = plan.neighbour ? `?${plan.neighbour.side}=${plan.neighbour.id}` : '';
      await ok('PATCH', `/api/tasks/${moved.id}/${query}`, { status: 2, started: '2031-01-01', order: plan.order });
      const now = await columnOf(sprint.id, 2);
      const changed = now.filter((task) => task.id !== moved.id && before.find((b) => b.id === task.id)!.order !== task.order);
      if (plan.neighbour) renumberings++;
      else assert.deepEqual(changed, [], `insert ${i} found room and moved no one else`);
      expected.splice(1, 0, moved.id);
      assert.deepEqual(
        now.map((t) => t.id),
        [...expected, last.id],
        `after insert ${i}`,
      );
      assert.ok(now.every((task, k) => k === 0 || byOrder(now[k - 1]!, task) < 0 && now[k - 1]!.order < task.order), 'orders are distinct after a renumbering');
    }
    // 0 and 1 have no room: the first insert renumbers, then each gap of 1024 takes about ten halvings.
    assert.ok(renumberings >= 2 && renumberings <= 8, `${renumberings} renumberings for 40 inserts`);
    // Each task's history holds its own writes only: the add and its move, nothing of the renumberings.
    assert.equal(await historyLength(first.id), 1);
    assert.equal(await historyLength(last.id), 1);
    for (const id of expected.slice(1)) assert.equal(await historyLength(id), 2, `task ${id}`);
  });

  it('places a new task after another with ?after=, and keeps an order that already fits', async () => {
    const sprint = await newSprint('Placed adds');
    const a = await ok('POST', '/api/tasks/', { name: 'A', sprint: sprint.id, order: 5 });
    const b = await ok('POST', '/api/tasks/', { name: 'B', sprint: sprint.id, order: 6 });
    const c = await ok('POST', `/api/tasks/?after=${a.id}`, { name: 'C', sprint: sprint.id, order: 5 });
    assert.deepEqual((await columnOf(sprint.id, 1)).map((t) => t.id), [a.id, c.id, b.id]);
    const fits = await ok('PATCH', `/api/tasks/${c.id}/?before=${a.id}`, { order: -100 });
    assert.equal(fits.order, -100, 'room above A: nothing renumbered');
    assert.deepEqual((await columnOf(sprint.id, 1)).map((t) => t.id), [c.id, a.id, b.id]);
  });

  it('keeps the order sent when the neighbour is in another column, and refuses a neighbour that is not an id', async () => {
    const sprint = await newSprint('Elsewhere');
    const a = await ok('POST', '/api/tasks/', { name: 'A', sprint: sprint.id, order: 3 });
    const b = await ok('POST', '/api/tasks/', { name: 'B', order: 3 });
    assert.equal((await ok('PATCH', `/api/tasks/${a.id}/?before=${b.id}`, { order: 3 })).order, 3);
    const refused = await call('PATCH', `/api/tasks/${a.id}/?before=first`, { order: 1 });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body, { before: ['"first" is not the id of a task.'] });
  });

  it('still takes an old client\'s renumbering, one write per task, as it sends them', async () => {
    const sprint = await newSprint('Old client');
    const tasks = [];
    for (let i = 0; i < 3; i++) tasks.push(await ok('POST', '/api/tasks/', { name: `Old ${i}`, sprint: sprint.id, order: i }));
    const moved = await ok('POST', '/api/tasks/', { name: 'Moved', sprint: sprint.id, status: 2, started: '2031-01-01' });
    // The book's client: the moved task takes order 1, the ones from there on shift by one.
    await ok('PUT', `/api/tasks/${moved.id}/`, { ...moved, status: 1, started: null, order: 1 });
    await ok('PATCH', `/api/tasks/${tasks[1].id}/`, { order: 2 });
    await ok('PATCH', `/api/tasks/${tasks[2].id}/`, { order: 3 });
    const column = await columnOf(sprint.id, 1);
    assert.deepEqual(column.map((t) => [t.id, t.order]), [[tasks[0].id, 0], [moved.id, 1], [tasks[1].id, 2], [tasks[2].id, 3]]);
    assert.equal(await historyLength(tasks[1].id), 2, 'their writes are theirs, and recorded');
  });
});
