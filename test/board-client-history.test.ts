// The board's history and burndown in Chromium against the real app: a move
// shows in the task's history in words, live; completing a task on one board
// lowers the other board's chart without a reload.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BoardBrowser, card, column, WAIT } from './board-browser.ts';

const TEST_TIMEOUT = 30_000;
const b = new BoardBrowser();
before(() => b.start());
after(() => b.close());

describe('history and burndown on the board', () => {
  it('shows a move in the task\'s history, and another board\'s change while the details are open', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('History sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Tracked', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(`${column('not-started')} ${card('Tracked')}`, WAIT);
      await page.focus(`${card('Tracked')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await b.taskBecomes(task.id, (t) => t.status === 2);
      await page.click(`${card('Tracked')} .task-open`);
      await page.waitForSelector('dialog.task-detail[open] .history-entry >> nth=1', WAIT);
      const entries = () => page.locator('.history-entry').allTextContents();
      assert.deepEqual(await entries(), ['demo moved it from Not Started to In Development · just now', 'demo added it to Not Started · just now']);
      await b.api('PATCH', `/api/tasks/${task.id}/`, { name: 'Tracked still', due: '2031-05-06' });
      await page.waitForSelector('.history-entry >> nth=2', WAIT);
      assert.match((await entries())[0]!, /^demo renamed it to “Tracked still” and set the due date to .+ · just now$/);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('lowers the other board\'s burndown when a task is completed on one, without a reload', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Burndown sprint');
    for (const name of ['Burn one', 'Burn two']) await b.api('POST', '/api/tasks/', { name, sprint: sprint.id });
    const first = await b.openBoard(`#sprint/${sprint.id}`);
    const second = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      for (const { page } of [first, second]) {
        await page.waitForSelector('.live-state[data-state="live"]', WAIT);
        await page.waitForSelector('.burndown-summary', WAIT);
      }
      const summary = await second.page.textContent('.burndown-summary');
      assert.match(summary!, /^2 of 2 tasks remaining, \d+ days left; on the ideal line\.$/);
      assert.equal(await second.page.getAttribute('.burndown-chart', 'aria-describedby'), 'burndown-summary');
      assert.equal(await second.page.locator('.burndown-chart line.today').count(), 1);
      await second.page.evaluate(() => Object.assign(window, { notReloaded: true }));

      await first.page.click(`${card('Burn one')} .task-open`);
      await first.page.selectOption('#task-column', 'completed');
      await first.page.click('dialog button[type="submit"]');
      await second.page.waitForFunction(() => document.querySelector('.burndown-summary')?.textContent?.startsWith('1 of 2 tasks remaining'), null, WAIT);
      assert.equal(await second.page.getAttribute('.burndown-chart .remaining', 'data-values'), '1');
      assert.equal(await second.page.evaluate(() => 'notReloaded' in window), true);
      assert.deepEqual([...first.errors, ...second.errors], []);
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });
});
