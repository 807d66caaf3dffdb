// The board's words in Chromium against the real app: one name per status
// everywhere, forms that say what is wrong (a name too long, with the limit
// and the count; a missing end date), and right-to-left names laid out as
// their own script without scrambling the sentence around them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BoardBrowser, card, WAIT } from './board-browser.ts';

const TEST_TIMEOUT = 30_000;
const b = new BoardBrowser();
before(() => b.start());
after(() => b.close());

const HEBREW = 'שלום עולם 55';

describe('words on the board', () => {
  it('says a name is too long with the limit and the count, and keeps every character typed', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Wordy sprint');
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.click('.add-task');
      await page.fill('#task-name', 'x'.repeat(300));
      await page.click('.add-task-form button[type="submit"]');
      await page.waitForSelector('[data-error-for="name"] span', WAIT);
      assert.equal(await page.textContent('[data-error-for="name"]'), 'Ensure this field has no more than 100 characters (it has 300).');
      assert.equal((await page.inputValue('#task-name')).length, 300, 'nothing was cut');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'task-name');
      assert.equal((await b.api('GET', '/api/tasks/?search=xxxxxxxxxx')).count, 0, 'nothing was sent');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('says "This field is required." for a sprint without an end date', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, errors } = await b.openBoard();
    try {
      await page.click('.add-sprint');
      await page.fill('#sprint-name', 'No end');
      await page.click('.new-sprint button[type="submit"]');
      await page.waitForSelector('[data-error-for="end"] span', WAIT);
      assert.equal(await page.textContent('[data-error-for="end"]'), 'This field is required.');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('names statuses as the columns do, in the details too', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Named sprint');
    await b.api('POST', '/api/tasks/', { name: 'Under test', sprint: sprint.id, status: 3, started: '2030-01-01' });
    const { context, page } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.click(`${card('Under test')} .task-open`);
      await page.waitForSelector('dialog.task-detail[open]', WAIT);
      assert.match((await page.textContent('.task-dates'))!, /^In Testing, started/);
    } finally {
      await context.close();
    }
  });

  it('lays out a right-to-left name as such, on its card and isolated inside a history sentence', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('RTL sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Plain', sprint: sprint.id });
    await b.api('PATCH', `/api/tasks/${task.id}/`, { name: HEBREW });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(card(HEBREW), WAIT);
      assert.equal(await page.$eval(`${card(HEBREW)} .task-name`, (el) => getComputedStyle(el).direction), 'rtl');
      await page.click(`${card(HEBREW)} .task-open`);
      const entry = 'dialog.task-detail[open] .history-entry:first-child';
      await page.waitForSelector(entry, WAIT);
      assert.equal(await page.textContent(`${entry} bdi:nth-of-type(2)`), HEBREW);
      // Left to right on screen: who, "renamed it to", the quoted name as one piece, then the time.
      const order = await page.$eval(entry, (li) => {
        const [who, name] = li.querySelectorAll('bdi');
        const text = name!.firstChild!;
        const digits = document.createRange();
        digits.setStart(text, text.textContent!.length - 2);
        digits.setEnd(text, text.textContent!.length);
        const [whoBox, nameBox, timeBox, digitsBox] = [who!.getBoundingClientRect(), name!.getBoundingClientRect(), li.querySelector('time')!.getBoundingClientRect(), digits.getBoundingClientRect()];
        return { who: whoBox.left, name: nameBox.left, nameRight: nameBox.right, time: timeBox.left, digitsInside: digitsBox.left >= nameBox.left && digitsBox.right <= nameBox.right };
      });
      assert.ok(order.who < order.name && order.nameRight <= order.time, JSON.stringify(order));
      assert.ok(order.digitsInside, 'the name\'s digits stay inside it');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
