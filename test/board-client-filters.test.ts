// The board's filter bar (issue 26): text, assignee (me, nobody, a person)
// and overdue, kept in the URL so a filtered board can be shared and
// reloaded; `/` and Escape; column counts that say how many are hidden; a
// move while cards are hidden writes the moved card only; and due dates
// marked overdue or due today in words as well as colour.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { BoardBrowser, card, column, localDate, WAIT } from './board-browser.ts';

const b = new BoardBrowser();
before(async () => {
  await b.start();
  await b.createUser('ada', 'Ada Lovelace');
});
after(() => b.close());

const day = (days: number) => localDate(new Date(Date.now() + days * 86_400_000));
const shownCards = (page: Page, key: string) => page.$$eval(`${column(key)} .task:not([hidden]) .task-name`, (names) => names.map((n) => n.textContent));
const hash = (page: Page) => page.evaluate(() => location.hash);

describe('the filter bar', () => {
  it('filters by text, assignee and overdue, keeps them in the URL through a reload, and counts what it hides', { timeout: 60_000 }, async () => {
    const sprint = await b.createSprint('Filtered sprint');
    const add = (name: string, fields: Record<string, unknown> = {}) => b.api('POST', '/api/tasks/', { name, sprint: sprint.id, ...fields });
    await add('Write the login page', { description: 'with a form', assigned: 'demo' });
    await add('Fix the café menu', { description: 'Accents in the LOGIN', assigned: 'ada', due: day(-2) });
    const party = await add('Plan the party', { due: day(-1) });
    await add('Paint the fence', { due: day(3), assigned: 'demo' });
    await add('Done long ago', { status: 4, started: day(-5), completed: day(-3), due: day(-4) });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(card('Paint the fence'), WAIT);
      await page.waitForSelector(`${card('Paint the fence')} .avatar[aria-label="Demo User"]`, WAIT);
      // `/` focuses the search; typing filters at once.
      await page.keyboard.press('/');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'filter-text');
      await page.keyboard.type('login');
      await page.waitForFunction(() => location.hash.includes('q=login'), null, WAIT);
      assert.deepEqual(await shownCards(page, 'not-started'), ['Write the login page', 'Fix the café menu']);
      assert.equal(await page.textContent(`${column('not-started')} .count`), '2 shown, 2 hidden');
      assert.equal(await page.textContent(`${column('completed')} .count`), '0 shown, 1 hidden');
      assert.match(await page.textContent('.filter-summary') ?? '', /^Showing 2 of 5 tasks; the filters hide 3\.$/);
      // Escape clears it.
      await page.keyboard.press('Escape');
      assert.equal(await page.inputValue('#filter-text'), '');
      await page.waitForFunction(() => !location.hash.includes('?'), null, WAIT);
      assert.equal(await page.textContent(`${column('not-started')} .count`), '4');
      assert.equal(await page.textContent('.filter-summary'), '');

      await page.selectOption('#filter-assignee', 'me');
      assert.deepEqual(await shownCards(page, 'not-started'), ['Write the login page', 'Paint the fence']);
      // Another board assigning a task to me shows it here at once, and unassigning hides it again.
      await b.api('PATCH', `/api/tasks/${party.id}/`, { assigned: 'demo' });
      await page.waitForSelector(`${card('Plan the party')}:not([hidden])`, WAIT);
      await b.api('PATCH', `/api/tasks/${party.id}/`, { assigned: null });
      await page.waitForSelector(`${card('Plan the party')}[hidden]`, { state: 'attached', ...WAIT });
      await page.selectOption('#filter-assignee', 'nobody');
      assert.deepEqual(await shownCards(page, 'not-started'), ['Plan the party']);
      await page.selectOption('#filter-assignee', 'ada');
      assert.deepEqual(await shownCards(page, 'not-started'), ['Fix the café menu']);
      await page.selectOption('#filter-assignee', '');
      await page.check('#filter-overdue');
      // Overdue: past its date and not done; the done one is not overdue.
      assert.deepEqual(await shownCards(page, 'not-started'), ['Fix the café menu', 'Plan the party']);
      assert.deepEqual(await shownCards(page, 'completed'), []);
      await page.fill('#filter-text', 'CAFE');
      await page.waitForFunction(() => location.hash.includes('q=CAFE'), null, WAIT);
      assert.deepEqual(await shownCards(page, 'not-started'), ['Fix the café menu']);
      assert.equal(await hash(page), `#sprint/${sprint.id}?q=CAFE&overdue=1`);

      // The URL is the board: a reload, or the link opened elsewhere, shows the same filters.
      await page.reload();
      await page.waitForSelector(card('Fix the café menu'), WAIT);
      assert.equal(await page.inputValue('#filter-text'), 'CAFE');
      assert.ok(await page.isChecked('#filter-overdue'));
      assert.deepEqual(await shownCards(page, 'not-started'), ['Fix the café menu']);
      const shared = await b.openBoard(`#sprint/${sprint.id}?assignee=ada`);
      try {
        await shared.page.waitForSelector(card('Fix the café menu'), WAIT);
        assert.deepEqual(await shownCards(shared.page, 'not-started'), ['Fix the café menu']);
        assert.equal(await shared.page.inputValue('#filter-assignee'), 'ada');
      } finally {
        await shared.context.close();
      }
      // Clear filters shows every card again, and the URL says so.
      await page.click('.clear-filters');
      await page.waitForFunction(() => !location.hash.includes('?'), null, WAIT);
      assert.equal((await shownCards(page, 'not-started')).length, 4);

      // A task added while the filters would hide it is added all the same, and the board says where it went.
      await page.fill('#filter-text', 'fence');
      await page.click('.add-task');
      await page.fill('#task-name', 'Another one');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.board-notice:has-text("Added “Another one” to the backlog; the filters hide it.")', WAIT);
      assert.ok(await page.isHidden(card('Another one')));
      assert.equal(await page.textContent(`${column('backlog')} .count`), '0 shown, 1 hidden');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('moves among the cards shown, and a move while cards are hidden writes the moved card only', { timeout: 60_000 }, async () => {
    const sprint = await b.createSprint('Hidden moves');
    const names = ['Alpha shown', 'Beta hidden', 'Gamma shown', 'Delta hidden', 'Epsilon shown'];
    const tasks: Array<{ id: number; name: string; order: number }> = [];
    for (const [i, name] of names.entries()) tasks.push(await b.api('POST', '/api/tasks/', { name, sprint: sprint.id, order: i * 1024 }));
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}?q=shown`);
    try {
      await page.waitForSelector(card('Epsilon shown'), WAIT);
      assert.deepEqual(await shownCards(page, 'not-started'), ['Alpha shown', 'Gamma shown', 'Epsilon shown']);
      assert.ok(await page.isHidden(card('Beta hidden')));
      const writes: Array<{ method: string; url: string }> = [];
      page.on('request', (request) => void (request.method() !== 'GET' && writes.push({ method: request.method(), url: request.url() })));

      // Down one place among what is shown: past Gamma, not merely past the hidden Beta.
      await page.focus(`${card('Alpha shown')} .task-open`);
      await page.keyboard.press('Shift+ArrowDown');
      await page.waitForFunction(() => /Moved “Alpha shown”/.test(document.querySelector('.announce')?.textContent ?? ''), null, WAIT);
      assert.deepEqual(await shownCards(page, 'not-started'), ['Gamma shown', 'Alpha shown', 'Epsilon shown']);
      assert.deepEqual(writes.map((w) => [w.method, new URL(w.url).pathname]), [['PATCH', `/api/tasks/${tasks[0]!.id}/`]]);
      const after = await Promise.all(tasks.map((task) => b.api('GET', `/api/tasks/${task.id}/`)));
      assert.deepEqual(after.slice(1).map((task) => task.order), tasks.slice(1).map((task) => task.order), 'no other card was written');
      for (const task of tasks.slice(1)) assert.equal((await b.api('GET', `/api/tasks/${task.id}/history/`)).count, 1, `${task.name} was never written`);
      // Without filters, Alpha sits right after Gamma, before the hidden Delta.
      const order = after.sort((x, y) => x.order - y.order).map((task) => task.name);
      assert.deepEqual(order, ['Beta hidden', 'Gamma shown', 'Alpha shown', 'Delta hidden', 'Epsilon shown']);

      // A drag drops only among shown cards, writing only the dragged one.
      writes.length = 0;
      await page.dragAndDrop(`${card('Epsilon shown')} .task-open`, `${card('Gamma shown')} .task-open`);
      await b.taskBecomes(tasks[4]!.id, (task) => task.order < tasks[2]!.order);
      assert.deepEqual(writes.map((w) => [w.method, new URL(w.url).pathname]), [['PATCH', `/api/tasks/${tasks[4]!.id}/`]]);
      assert.deepEqual(await shownCards(page, 'not-started'), ['Epsilon shown', 'Gamma shown', 'Alpha shown']);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('marks overdue and due-today tasks in words as well as colour, and sets due dates with a date picker', { timeout: 40_000 }, async () => {
    const sprint = await b.createSprint('Due sprint');
    const late = await b.api('POST', '/api/tasks/', { name: 'Late one', sprint: sprint.id, due: day(-1) });
    await b.api('POST', '/api/tasks/', { name: 'Today one', sprint: sprint.id, due: day(0) });
    await b.api('POST', '/api/tasks/', { name: 'Later one', sprint: sprint.id, due: day(4) });
    await b.api('POST', '/api/tasks/', { name: 'Finished late', sprint: sprint.id, status: 4, started: day(-3), completed: day(-1), due: day(-2) });
    const { context, page } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(card('Finished late'), WAIT);
      assert.match(await page.textContent(`${card('Late one')} .task-due`) ?? '', /^Overdue: due /);
      assert.ok(await page.$(`${card('Late one')}.overdue`));
      assert.equal(await page.textContent(`${card('Today one')} .task-due`), 'Due today');
      assert.ok(await page.$(`${card('Today one')}.due-today`));
      assert.match(await page.textContent(`${card('Later one')} .task-due`) ?? '', /^Due (?!today)/);
      assert.match(await page.textContent(`${card('Finished late')} .task-due`) ?? '', /^Due /, 'a finished task is not overdue');
      const colour = await page.$eval(`${card('Late one')} .task-due`, (el) => getComputedStyle(el).color);
      assert.equal(colour, 'rgb(180, 35, 24)');

      // The due field is a date picker; moving the date to the future takes the marking away.
      await page.click(`${card('Late one')} .task-open`);
      assert.equal(await page.getAttribute('#task-due', 'type'), 'date');
      assert.equal(await page.inputValue('#task-due'), day(-1));
      await page.fill('#task-due', day(5));
      await page.click('dialog button[type="submit"]');
      await b.taskBecomes(late.id, (task) => task.due === day(5));
      await page.waitForSelector(`${card('Late one')}:not(.overdue)`, WAIT);
      assert.match(await page.textContent(`${card('Late one')} .task-due`) ?? '', /^Due (?!today)/);
    } finally {
      await context.close();
    }
  });
});
