// The book's own session with the API (chapter 4, "Testing out the API"),
// replayed request by request with the JSON it shows, links included.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startApp, type Running } from './helpers.ts';

let app: Running;
before(async () => {
  app = await startApp({ SERVICES: 'board' });
});
after(() => app.close());

const basic = { Authorization: `Basic ${Buffer.from('demo:test').toString('base64')}` };
const localDate = (date: Date) =>
  `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

/** What Python's requests sends for `data=task`: lists become repeated keys, None values are left out. */
function pythonForm(data: Record<string, unknown>): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(data)) {
    if (value === null) continue;
    if (typeof value === 'object') for (const inner of Object.keys(value)) form.append(key, inner);
    else form.append(key, String(value));
  }
  return form;
}

it('answers the book session as the book shows it', async () => {
  const base = app.url;
  const root = await fetch(`${base}/api/`);
  assert.equal(root.status, 200);
  const api = (await root.json()) as Record<string, string>;
  assert.deepEqual(api, {
    sprints: `${base}/api/sprints/`,
    tasks: `${base}/api/tasks/`,
    users: `${base}/api/users/`,
    // Beyond the book: labels, velocity, and the history, burndown and comments templates.
    labels: `${base}/api/labels/`,
    sprint_velocity: `${base}/api/sprints/velocity/`,
    sprint_history: `${base}/api/sprints/{id}/history/`,
    sprint_burndown: `${base}/api/sprints/{id}/burndown/`,
    task_history: `${base}/api/tasks/{id}/history/`,
    task_comments: `${base}/api/tasks/{id}/comments/`,
  });

  assert.equal((await fetch(api.sprints!)).status, 401);
  assert.equal((await fetch(api.sprints!, { headers: basic })).status, 200);

  const today = new Date();
  const end = localDate(new Date(today.getFullYear(), today.getMonth(), today.getDate() + 14));
  let response = await fetch(api.sprints!, { method: 'POST', headers: basic, body: new URLSearchParams({ name: 'Current Sprint', end }) });
  assert.equal(response.status, 201);
  const sprint = (await response.json()) as { id: number; links: { channel: string } };
  assert.match(sprint.links.channel, new RegExp(`^ws://127\\.0\\.0\\.1:${app.port}/socket\\?channel=${sprint.id}%3A\\d+%3A[0-9a-f]{64}$`));
  assert.deepEqual(sprint, {
    id: sprint.id,
    name: 'Current Sprint',
    description: '',
    end,
    created: localDate(today),
    links: {
      self: `${base}/api/sprints/${sprint.id}/`,
      tasks: `${base}/api/tasks/?sprint=${sprint.id}`,
      channel: sprint.links.channel,
      history: `${base}/api/sprints/${sprint.id}/history/`,
      burndown: `${base}/api/sprints/${sprint.id}/burndown/`,
    },
    wip_limits: { 1: null, 2: null, 3: null, 4: null },
  });
  // The book's fields first, as the book has them; what this board adds comes after.
  assert.deepEqual(Object.keys(sprint), ['id', 'name', 'description', 'end', 'created', 'links', 'wip_limits']);

  response = await fetch(api.tasks!, { method: 'POST', headers: basic, body: new URLSearchParams({ name: 'Something Task', sprint: String(sprint.id) }) });
  assert.equal(response.status, 201);
  let task = (await response.json()) as Record<string, unknown> & { id: number; links: { self: string } };
  assert.deepEqual(task, {
    id: task.id,
    name: 'Something Task',
    description: '',
    sprint: sprint.id,
    status: 1,
    status_display: 'Not Started',
    order: 0,
    assigned: null,
    started: null,
    due: null,
    completed: null,
    links: {
      self: `${base}/api/tasks/${task.id}/`,
      sprint: `${base}/api/sprints/${sprint.id}/`,
      assigned: null,
      history: `${base}/api/tasks/${task.id}/history/`,
      comments: `${base}/api/tasks/${task.id}/comments/`,
    },
    points: null,
    labels: [],
  });
  assert.deepEqual(Object.keys(task), ['id', 'name', 'description', 'sprint', 'status', 'status_display', 'order', 'assigned', 'started', 'due', 'completed', 'links', 'points', 'labels']);

  task = { ...task, assigned: 'demo', status: 2, started: localDate(today) };
  response = await fetch(task.links.self, { method: 'PUT', headers: basic, body: pythonForm(task) });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), {
    id: task.id,
    name: 'Something Task',
    description: '',
    sprint: sprint.id,
    status: 2,
    status_display: 'In Progress',
    order: 0,
    assigned: 'demo',
    started: localDate(today),
    due: null,
    completed: null,
    links: {
      self: `${base}/api/tasks/${task.id}/`,
      sprint: `${base}/api/sprints/${sprint.id}/`,
      assigned: `${base}/api/users/demo/`,
      history: `${base}/api/tasks/${task.id}/history/`,
      comments: `${base}/api/tasks/${task.id}/comments/`,
    },
    points: null,
    labels: [],
  });
});
