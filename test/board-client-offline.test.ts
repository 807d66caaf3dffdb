// No lost work on a bad connection, in Chromium against the real app: with
// the API cut off (its requests aborted), moves wait in the browser, marked
// pending and counted in the header; they survive a reload and land in order
// once the API is back. A waiting write that meets someone else's change
// asks which one stays.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BoardBrowser, card, column, WAIT } from './board-browser.ts';

const TEST_TIMEOUT = 40_000;
const b = new BoardBrowser();
before(() => b.start());
after(() => b.close());

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
});
