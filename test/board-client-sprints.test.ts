// Sprints managed from the board (issue 26): edited (name, description,
// end) with the API's refusals in words beside their field, deleted after a
// confirmation that says their tasks go back to the backlog, and sprints
// that ended long ago still reachable under "Earlier sprints".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BoardBrowser, card, column, localDate, WAIT } from './board-browser.ts';

const b = new BoardBrowser();
before(() => b.start());
after(() => b.close());

const day = (days: number) => localDate(new Date(Date.now() + days * 86_400_000));

describe('sprints on the board', () => {
  it('edits a sprint, showing why an end in the past is refused', { timeout: 40_000 }, async () => {
    const sprint = await b.createSprint('Sprint to edit');
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector('.sprint-header h1:has-text("Sprint to edit")', WAIT);
      await page.click('.edit-sprint');
      await page.waitForSelector('dialog.sprint-edit[open]', WAIT);
      assert.equal(await page.inputValue('#sprint-edit-name'), 'Sprint to edit');
      assert.equal(await page.getAttribute('#sprint-edit-end', 'type'), 'date');
      await page.fill('#sprint-edit-name', 'Sprint edited');
      await page.fill('#sprint-edit-description', 'Now with a goal');
      await page.fill('#sprint-edit-end', day(-1));
      await page.click('dialog.sprint-edit button[type="submit"]');
      await page.waitForSelector('dialog.sprint-edit [data-error-for="end"] span', WAIT);
      assert.equal(await page.textContent('dialog.sprint-edit [data-error-for="end"]'), 'End date cannot be in the past.');
      assert.equal(await page.getAttribute('#sprint-edit-end', 'aria-invalid'), 'true');
      assert.equal((await b.api('GET', `/api/sprints/${sprint.id}/`)).name, 'Sprint to edit', 'nothing was saved');

      const end = day(40);
      await page.fill('#sprint-edit-end', end);
      await page.click('dialog.sprint-edit button[type="submit"]');
      await page.waitForSelector('dialog.sprint-edit', { state: 'detached', ...WAIT });
      await page.waitForSelector('.sprint-header h1:has-text("Sprint edited")', WAIT);
      assert.equal(await page.textContent('.sprint-description'), 'Now with a goal');
      assert.equal(await page.getAttribute('.sprint-due time', 'datetime'), end);
      const saved = await b.api('GET', `/api/sprints/${sprint.id}/`);
      assert.deepEqual([saved.name, saved.description, saved.end], ['Sprint edited', 'Now with a goal', end]);
      assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('edit-sprint')), true);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('deletes a sprint after saying its tasks go back to the backlog', { timeout: 40_000 }, async () => {
    const sprint = await b.createSprint('Sprint to delete');
    const tasks = [];
    for (const [name, status] of [['Started here', 2], ['Finished here', 4]] as const) {
      tasks.push(await b.api('POST', '/api/tasks/', { name, sprint: sprint.id, status, started: day(0), completed: status === 4 ? day(0) : null }));
    }
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(card('Finished here'), WAIT);
      await page.click('.delete-sprint');
      await page.waitForSelector('dialog.sprint-delete[open]', WAIT);
      assert.match(await page.textContent('dialog.sprint-delete h2') ?? '', /Delete sprint “Sprint to delete”\?/);
      assert.match(await page.textContent('#sprint-delete-what') ?? '', /Its 2 tasks go back to the backlog, as Not Started/);
      // The safe answer has the focus; keeping it deletes nothing.
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Keep it');
      await page.keyboard.press('Enter');
      await page.waitForSelector('dialog.sprint-delete', { state: 'detached', ...WAIT });
      assert.equal((await b.api('GET', `/api/sprints/${sprint.id}/`)).id, sprint.id);

      await page.click('.delete-sprint');
      await page.click('dialog.sprint-delete button.danger');
      await page.waitForSelector('.home h1', WAIT);
      assert.equal(await page.evaluate(() => location.hash), '');
      const response = await fetch(`${b.app.url}/api/sprints/${sprint.id}/`, { headers: { Authorization: `Token ${await b.token()}` } });
      assert.equal(response.status, 404);
      for (const task of tasks) {
        const now = await b.api('GET', `/api/tasks/${task.id}/`);
        assert.deepEqual([now.sprint, now.status], [null, 1]);
      }
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('keeps sprints that ended more than a week ago under "Earlier sprints", newest first', { timeout: 40_000 }, async () => {
    const older = await b.api('POST', '/api/sprints/', { name: 'Older sprint', end: day(2) });
    const old = await b.api('POST', '/api/sprints/', { name: 'Old sprint', end: day(4) });
    await b.api('POST', '/api/sprints/', { name: 'Still current', end: day(90) });
    await b.api('POST', '/api/tasks/', { name: 'Left in the old one', sprint: old.id });
    // Seen from four weeks on: the first two ended more than a week before.
    const { context, page } = await b.newPage();
    try {
      await page.clock.setFixedTime(new Date(Date.now() + 28 * 86_400_000));
      await page.goto(`${b.app.url}/board/`);
      await page.waitForSelector('.earlier-sprints:not([hidden])', WAIT);
      const earlier = await page.$$eval('.earlier-sprints .sprint-name', (names) => names.map((n) => n.textContent));
      assert.deepEqual(earlier.filter((name) => /Old/.test(name ?? '')), ['Old sprint', 'Older sprint']);
      const current = await page.$$eval('.sprints .sprint-name', (names) => names.map((n) => n.textContent));
      assert.ok(current.includes('Still current') && !current.includes('Old sprint'), current.join(', '));
      assert.equal(await page.textContent('#earlier-title'), 'Earlier sprints');
      await page.click('.earlier-sprints a:has-text("Old sprint")');
      await page.waitForSelector(`${column('not-started')} ${card('Left in the old one')}`, WAIT);
      assert.equal(await page.evaluate(() => location.hash), `#sprint/${old.id}`);
      assert.ok(older.id);
    } finally {
      await context.close();
    }
  });
});
