// The API driven by the real Backbone.js, as the book's single-page client
// drives it: Backbone.ajax routed to fetch, collections parsing `results`,
// models saving through PUT and PATCH, and the legacy emulation modes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Backbone from 'backbone';
import { startApp, type Running } from './helpers.ts';

let app: Running;
let token: string;

interface FakeXhr {
  status: number;
  responseText: string;
  responseJSON: unknown;
  setRequestHeader(name: string, value: string): void;
}

/** jQuery.ajax, as much of it as Backbone.sync uses, over fetch. */
function ajaxOverFetch(options: {
  type: string;
  url: string;
  data?: string | Record<string, string>;
  contentType?: string;
  beforeSend?: (xhr: FakeXhr) => void;
  success?: (data: unknown, status: string, xhr: FakeXhr) => void;
  error?: (xhr: FakeXhr, status: string, thrown: string) => void;
}): FakeXhr {
  const headers: Record<string, string> = { Accept: 'application/json, text/javascript, */*; q=0.01', Authorization: `Token ${token}` };
  const xhr: FakeXhr = { status: 0, responseText: '', responseJSON: undefined, setRequestHeader: (name, value) => (headers[name] = value) };
  options.beforeSend?.(xhr);
  let url = options.url;
  let body: string | undefined;
  const encoded = typeof options.data === 'string' ? options.data : options.data && new URLSearchParams(options.data).toString();
  if (options.type === 'GET') {
    if (encoded) url += (url.includes('?') ? '&' : '?') + encoded;
  } else if (encoded !== undefined) {
    body = encoded;
    headers['Content-Type'] = options.contentType ?? 'application/x-www-form-urlencoded';
  }
  void fetch(url, { method: options.type, headers, body }).then(async (response) => {
    xhr.status = response.status;
    xhr.responseText = await response.text();
    xhr.responseJSON = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
    if (response.ok) options.success?.(xhr.responseJSON, 'success', xhr);
    else options.error?.(xhr, 'error', response.statusText);
  });
  return xhr;
}

const Task = Backbone.Model.extend({});
const Tasks = Backbone.Collection.extend({
  model: Task,
  url: () => `${app.url}/api/tasks/`,
  parse: (response: { results: unknown[] }) => response.results,
});

/** A Backbone callback-style call as a promise: resolves with the model, rejects with the xhr. */
function settle(run: (options: { success: (model: unknown) => void; error: (model: unknown, xhr: FakeXhr) => void }) => unknown): Promise<any> {
  return new Promise((resolve, reject) => run({ success: resolve, error: (_model, xhr) => reject(xhr) }));
}

before(async () => {
  app = await startApp({ SERVICES: 'board' });
  const reply = await fetch(`${app.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'test' }) });
  token = ((await reply.json()) as { token: string }).token;
  Backbone.ajax = ajaxOverFetch as unknown as typeof Backbone.ajax;
});
after(() => app.close());

describe('Backbone.js against the API', () => {
  it('fetches, creates with wait, saves with PUT and PATCH, and destroys', async () => {
    const tasks = new Tasks();
    await settle((options) => tasks.fetch(options));
    assert.equal(tasks.length, 0);

    const task = await settle((options) => tasks.create({ name: 'Write the client', order: 2 }, { wait: true, ...options }));
    assert.equal(tasks.length, 1);
    assert.equal(typeof task.id, 'number');
    assert.equal(task.get('status_display'), 'Not Started');
    assert.equal(task.get('links').self, `${app.url}/api/tasks/${task.id}/`);
    assert.equal(task.url(), `${app.url}/api/tasks/${task.id}`, 'Backbone builds the URL without a trailing slash');

    task.set({ description: 'with Backbone' });
    await settle((options) => task.save(null, options));
    assert.equal(task.get('description'), 'with Backbone');

    await settle((options) => task.save({ order: 5 }, { patch: true, ...options }));
    assert.equal(task.get('order'), 5);
    assert.equal(task.get('description'), 'with Backbone', 'PATCH kept the rest');

    const again = new Tasks();
    await settle((options) => again.fetch(options));
    assert.deepEqual(again.get(task.id)!.toJSON(), task.toJSON(), 'what the server stored is what the model holds');

    await settle((options) => task.destroy({ wait: true, ...options }));
    assert.equal(tasks.length, 0);
    assert.equal((await fetch(`${app.url}/api/tasks/${task.id}/`, { headers: { Authorization: `Token ${token}` } })).status, 404);
  });

  it('passes validation errors, field by field, to the error callback', async () => {
    const tasks = new Tasks();
    const task = await settle((options) => tasks.create({ name: 'Valid at first' }, { wait: true, ...options }));
    const xhr: FakeXhr = await settle((options) => task.save({ name: '', status: 9 }, { patch: true, wait: true, ...options })).then(
      () => assert.fail('the save should fail'),
      (failure: FakeXhr) => failure,
    );
    assert.equal(xhr.status, 400);
    assert.deepEqual(xhr.responseJSON, { name: ['This field may not be blank.'], status: ['"9" is not a valid choice.'] });
    assert.equal(task.get('name'), 'Valid at first', 'wait: true left the model alone');
  });

  it('works with emulateHTTP and emulateJSON', async () => {
    Backbone.emulateHTTP = true;
    Backbone.emulateJSON = true;
    try {
      const tasks = new Tasks();
      const task = await settle((options) => tasks.create({ name: 'Old server mode' }, { wait: true, ...options }));
      assert.equal(task.get('name'), 'Old server mode');
      await settle((options) => task.save({ name: 'Emulated PUT' }, options));
      await settle((options) => task.save({ order: 8 }, { patch: true, ...options }));
      const stored = await (await fetch(`${app.url}/api/tasks/${task.id}/`, { headers: { Authorization: `Token ${token}` } })).json();
      assert.equal((stored as { name: string }).name, 'Emulated PUT');
      assert.equal((stored as { order: number }).order, 8);
      await settle((options) => task.destroy({ wait: true, ...options }));
      assert.equal((await fetch(`${app.url}/api/tasks/${task.id}/`, { headers: { Authorization: `Token ${token}` } })).status, 404);
    } finally {
      Backbone.emulateHTTP = false;
      Backbone.emulateJSON = false;
    }
  });
});
