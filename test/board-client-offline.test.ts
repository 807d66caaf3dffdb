// No lost work on a bad connection, in Chromium against the real app: with
// the API cut off (its requests aborted), moves, adds and deletes wait in the
// browser, marked pending and counted in the header; they survive a reload
// and land in order once the API is back. A waiting write that meets someone
// else's change asks which one stays.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { BoardBrowser, card, column, WAIT } from './board-browser.ts';

const TEST_TIMEOUT = 40_000;
const b = new BoardBrowser();
before(() => b.start());
after(() => b.close());

const outboxSays = (text: string) => `.outbox-state:text-is("${text}")`;

/** The API's answer as it is (b.api insists on 2xx). */
async function status(path: string): Promise<number> {
  const response = await fetch(`${b.app.url}${path}`, { headers: { Authorization: `Token ${await b.token()}`, Accept: 'application/json' } });
  await response.body?.cancel();
  return response.status;
}

async function addTask(page: Page, name: string, description: string): Promise<void> {
  await page.click('.add-task');
  await page.fill('#task-name', name);
  await page.fill('#task-description', description);
  await page.click('.add-task-form button[type="submit"]');
}

async function deleteTask(page: Page, name: string): Promise<void> {
  await page.click(`${card(name)} .task-open`);
  await page.click('dialog.task-detail[open] .delete');
  await page.waitForSelector(card(name), { state: 'detached', ...WAIT });
}

describe('the board offline', () => {
  it('queues two moves while the API is cut off, keeps them over a reload, and sends them in order when it is back', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Offline sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Travelling', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    const api = `${b.app.url}/api/**`;
    try {
      await page.waitForSelector(`${column('not-started')} ${card('Travelling')}`, WAIT);
      await page.route(api, (route) => route.abort('internetdisconnected'));
      await page.focus(`${card('Travelling')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector('.outbox-state:text-is("Offline: 1 change waiting")', WAIT);
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector('.outbox-state:text-is("Offline: 2 changes waiting")', WAIT);
      await page.waitForSelector(`${column('in-testing')} ${card('Travelling')}.pending`, WAIT);
      assert.equal((await b.api('GET', `/api/tasks/${task.id}/`)).status, 1, 'nothing reached the server');

      await page.reload();
      await page.waitForSelector('.outbox-state:text-is("Offline: 2 changes waiting")', WAIT);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal((await b.api('GET', `/api/tasks/${task.id}/`)).status, 1);

      await page.unroute(api);
      await b.taskBecomes(task.id, (t) => t.status === 3);
      await page.waitForSelector('.outbox-state', { state: 'hidden', ...WAIT });
      await page.waitForSelector(`${column('in-testing')} ${card('Travelling')}:not(.pending)`, WAIT); // the board came back on its own
      const history = await b.api('GET', `/api/tasks/${task.id}/history/`);
      assert.deepEqual(
        history.results.map((entry: any) => entry.changes.status),
        [[2, 3], [1, 2], [null, 1]],
        'the moves landed in the order they were made',
      );
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('asks which change stays when a waiting write meets someone else\'s, and keeps theirs if told', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Conflict sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Disputed', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    const api = `${b.app.url}/api/**`;
    try {
      await page.waitForSelector(`${column('not-started')} ${card('Disputed')}`, WAIT);
      await page.route(api, (route) => route.abort('internetdisconnected'));
      await page.focus(`${card('Disputed')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector('.outbox-state:text-is("Offline: 1 change waiting")', WAIT);
      await b.api('PATCH', `/api/tasks/${task.id}/`, { status: 3, started: '2030-01-01' }); // someone else, meanwhile
      await page.unroute(api);
      await page.waitForSelector('dialog.conflict[open]', WAIT);
      assert.equal(await page.textContent('dialog.conflict tr:has(th:text-is("Column")) .mine'), 'In Development');
      assert.equal(await page.textContent('dialog.conflict tr:has(th:text-is("Column")) .theirs'), 'In Testing');
      await page.click('dialog.conflict .keep-theirs');
      await page.waitForSelector('.outbox-state', { state: 'hidden', ...WAIT });
      await page.waitForSelector(`${column('in-testing')} ${card('Disputed')}:not(.pending)`, WAIT);
      const now = await b.api('GET', `/api/tasks/${task.id}/`);
      assert.deepEqual([now.status, now.started], [3, '2030-01-01'], 'theirs stands');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('queues an add, a move of the new card and a delete while the API is cut off, keeps them over a reload, and sends them in order when it is back', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Offline adds sprint');
    const doomed = await b.api('POST', '/api/tasks/', { name: 'Doomed', sprint: sprint.id, status: 3 });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    const api = `${b.app.url}/api/**`;
    try {
      await page.waitForSelector(`${column('in-testing')} ${card('Doomed')}`, WAIT);
      await page.route(api, (route) => route.abort('internetdisconnected'));
      await addTask(page, 'Written offline', 'Made on a train');
      await page.waitForSelector(`${column('backlog')} ${card('Written offline')}.pending`, WAIT);
      await page.waitForSelector(outboxSays('Offline: 1 change waiting'), WAIT);
      await page.focus(`${card('Written offline')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector(`${column('not-started')} ${card('Written offline')}.pending`, WAIT);
      await page.waitForSelector(outboxSays('Offline: 2 changes waiting'), WAIT);
      await deleteTask(page, 'Doomed');
      await page.waitForSelector(outboxSays('Offline: 3 changes waiting'), WAIT);
      const notYet = async () => {
        assert.equal((await b.api('GET', '/api/tasks/?search=offline')).count, 0, 'the add did not reach the server');
        assert.equal((await b.api('GET', `/api/tasks/${doomed.id}/`)).name, 'Doomed', 'nor did the delete');
      };
      await notYet();

      await page.reload(); // still cut off: the board cannot load, the queue is there
      await page.waitForSelector(outboxSays('Offline: 3 changes waiting'), WAIT);
      // Reads get through again, writes still do not: the board loads, with what waits shown on it.
      await page.unroute(api);
      await page.route(api, (route) => (route.request().method() === 'GET' ? route.continue() : route.abort('internetdisconnected')));
      await page.reload();
      await page.waitForSelector(`${column('not-started')} ${card('Written offline')}.pending`, WAIT);
      await page.waitForSelector(outboxSays('Offline: 3 changes waiting'), WAIT);
      assert.equal(await page.locator(card('Doomed')).count(), 0, 'the deleted card stays gone');
      await notYet();

      await page.unroute(api);
      await page.waitForSelector('.outbox-state', { state: 'hidden', ...WAIT });
      const created = (await b.api('GET', '/api/tasks/?search=offline')).results;
      assert.equal(created.length, 1, 'created once');
      assert.deepEqual(
        [created[0].name, created[0].description, created[0].sprint, created[0].status],
        ['Written offline', 'Made on a train', sprint.id, 1],
        'created with its fields, then moved by its real id',
      );
      assert.equal(await status(`/api/tasks/${doomed.id}/`), 404, 'the other is gone');
      await page.waitForSelector(`${column('not-started')} ${card('Written offline')}:not(.pending)[data-task-id="${created[0].id}"]`, WAIT);
      const history = await b.api('GET', `/api/sprints/${sprint.id}/history/`);
      assert.deepEqual(
        history.results.map((entry: any) => [entry.task, entry.action]),
        [
          [doomed.id, 'remove'],
          [created[0].id, 'update'],
          [created[0].id, 'add'],
          [doomed.id, 'add'],
        ],
        'the writes landed in the order they were made',
      );
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('takes a waiting add and a waiting delete back out of the queue when they are undone', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Offline undo sprint');
    const kept = await b.api('POST', '/api/tasks/', { name: 'Kept after all', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    const api = `${b.app.url}/api/**`;
    try {
      await page.waitForSelector(`${column('not-started')} ${card('Kept after all')}`, WAIT);
      await page.route(api, (route) => route.abort('internetdisconnected'));
      await deleteTask(page, 'Kept after all');
      await page.waitForSelector(outboxSays('Offline: 1 change waiting'), WAIT);
      await page.click('.undo-toast .undo');
      await page.waitForSelector('.undo-label:has-text("Undone: Deleted “Kept after all”.")', WAIT);
      await page.waitForSelector(`${column('not-started')} ${card('Kept after all')}:not(.pending)`, WAIT);
      await page.waitForSelector('.outbox-state', { state: 'hidden', ...WAIT });

      await addTask(page, 'Second thoughts', '');
      await page.waitForSelector(`${column('backlog')} ${card('Second thoughts')}.pending`, WAIT);
      await page.waitForSelector(outboxSays('Offline: 1 change waiting'), WAIT);
      await page.click('.undo-toast .undo');
      await page.waitForSelector(card('Second thoughts'), { state: 'detached', ...WAIT });
      await page.waitForSelector('.outbox-state', { state: 'hidden', ...WAIT });

      await page.unroute(api);
      await page.reload(); // nothing is left to send, even after a reload
      await page.waitForSelector(`${column('not-started')} ${card('Kept after all')}`, WAIT);
      await page.waitForSelector('.outbox-state', { state: 'hidden', ...WAIT });
      await new Promise((resolve) => setTimeout(resolve, 2500)); // past the outbox's retry
      assert.equal((await b.api('GET', '/api/tasks/?search=thoughts')).count, 0, 'the undone add was never sent');
      const history = await b.api('GET', `/api/tasks/${kept.id}/history/`);
      assert.deepEqual(history.results.map((entry: any) => entry.action), ['add'], 'nor the undone delete');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('asks before a waiting delete removes someone else\'s change, and takes a task someone else deleted as deleted', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Offline delete conflict sprint');
    const edited = await b.api('POST', '/api/tasks/', { name: 'Edited meanwhile', sprint: sprint.id });
    const gone = await b.api('POST', '/api/tasks/', { name: 'Gone meanwhile', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    const api = `${b.app.url}/api/**`;
    try {
      await page.waitForSelector(`${column('not-started')} ${card('Gone meanwhile')}`, WAIT);
      await page.route(api, (route) => route.abort('internetdisconnected'));
      await deleteTask(page, 'Edited meanwhile');
      await deleteTask(page, 'Gone meanwhile');
      await page.waitForSelector(outboxSays('Offline: 2 changes waiting'), WAIT);
      await b.api('PATCH', `/api/tasks/${edited.id}/`, { description: 'Their words' }); // someone else, meanwhile
      await b.api('DELETE', `/api/tasks/${gone.id}/`);
      await page.unroute(api);
      await page.waitForSelector('dialog.conflict[open]', WAIT);
      assert.equal(await page.textContent('dialog.conflict tr:has(th:text-is("Description")) .mine'), '—');
      assert.equal(await page.textContent('dialog.conflict tr:has(th:text-is("Description")) .theirs'), 'Their words');
      assert.equal(await page.locator('dialog.conflict tbody tr').count(), 1, 'only what they changed');
      await page.click('dialog.conflict .keep-theirs');
      await page.waitForSelector('.outbox-state', { state: 'hidden', ...WAIT });
      await page.waitForSelector(`${column('not-started')} ${card('Edited meanwhile')}:not(.pending)`, WAIT);
      assert.equal((await b.api('GET', `/api/tasks/${edited.id}/`)).description, 'Their words', 'theirs stands');
      assert.equal(await status(`/api/tasks/${gone.id}/`), 404);
      assert.equal(await page.isVisible('.board-error'), false, 'a task already deleted is no failure');
      assert.equal(await page.locator(card('Gone meanwhile')).count(), 0);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
