// The board's single-key shortcuts and their `?` dialog (issue 26): n new
// task, / search, e edit and a assign the focused card, l label it, Esc
// closes; none fires while typing in a field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BoardBrowser, card, WAIT } from './board-browser.ts';

const b = new BoardBrowser();
before(() => b.start());
after(() => b.close());

const focusedId = (page: import('playwright-core').Page) => page.evaluate(() => document.activeElement?.id ?? document.activeElement?.className);

describe('the keyboard shortcuts', () => {
  it('does each thing its help says, and lists them all in the ? dialog', { timeout: 60_000 }, async () => {
    const sprint = await b.createSprint('Shortcut sprint');
    await b.api('POST', '/api/tasks/', { name: 'Keyed card', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(card('Keyed card'), WAIT);
      await page.click('h1');

      // ? opens the help, which lists every key; Escape closes it and focus comes back.
      await page.keyboard.press('?');
      await page.waitForSelector('dialog.shortcuts-help[open]', WAIT);
      const rows = await page.$$eval('dialog.shortcuts-help tbody th', (keys) => keys.map((key) => key.textContent));
      for (const key of ['N', '/', 'E', 'A', 'L', '?', 'Esc']) assert.ok(rows.includes(key), `the help lists ${key}`);
      await page.keyboard.press('Escape');
      await page.waitForSelector('dialog.shortcuts-help', { state: 'detached', ...WAIT });
      // The button does the same, for a pointer or a finger.
      await page.click('.show-shortcuts');
      await page.waitForSelector('dialog.shortcuts-help[open]', WAIT);
      await page.click('dialog.shortcuts-help .close.primary');
      await page.waitForSelector('dialog.shortcuts-help', { state: 'detached', ...WAIT });
      assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('show-shortcuts')), true, 'focus is back on the button');

      // n: a new task, in the add form; typing "n", "e" or "/" there types them.
      await page.keyboard.press('n');
      assert.equal(await focusedId(page), 'task-name');
      await page.keyboard.type('need a new/e task?');
      assert.equal(await page.inputValue('#task-name'), 'need a new/e task?');
      assert.equal(await page.$('dialog[open]'), null, 'no shortcut fired while typing');
      assert.equal(await page.inputValue('#filter-text'), '');
      await page.keyboard.press('Enter');
      await page.waitForSelector(card('need a new/e task?'), WAIT);

      // /: the search, where keys type too.
      await page.click('h1');
      await page.keyboard.press('/');
      assert.equal(await focusedId(page), 'filter-text');
      await page.keyboard.type('?ean');
      assert.equal(await page.inputValue('#filter-text'), '?ean');
      assert.equal(await page.$('dialog[open]'), null);
      await page.keyboard.press('Escape');

      // e and a act on the focused card; without one, they say what to do.
      await page.click('h1');
      await page.keyboard.press('e');
      await page.waitForSelector('.board-notice:has-text("Focus a task first")', WAIT);
      assert.equal(await page.$('dialog[open]'), null);
      await page.focus(`${card('Keyed card')} .task-open`);
      await page.keyboard.press('e');
      await page.waitForSelector('dialog.task-detail[open]', WAIT);
      assert.match(await page.textContent('dialog.task-detail [data-field="name"]') ?? '', /Keyed card/);
      // In the details' fields, keys are text.
      await page.click('dialog.task-detail [data-field="description"]');
      await page.keyboard.type('ale?');
      assert.equal(await page.$$eval('dialog[open]', (dialogs) => dialogs.length), 1);
      await page.keyboard.press('Escape');
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });
      assert.equal(await page.evaluate(() => document.activeElement?.closest('.task')?.textContent?.includes('Keyed card')), true, 'focus is back on the card');

      await page.keyboard.press('a');
      await page.waitForSelector('dialog.task-detail[open] #task-assigned[aria-expanded="true"]', WAIT);
      assert.equal(await focusedId(page), 'task-assigned');
      await page.keyboard.type('demo');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.waitForSelector(`${card('Keyed card')} .avatar[aria-label="Demo User"]`, WAIT);

      // l: the details open in the label picker, its list open (board-client-labels.test.ts chooses from it).
      await page.focus(`${card('Keyed card')} .task-open`);
      await page.keyboard.press('l');
      await page.waitForSelector('dialog.task-detail[open] #task-labels[aria-expanded="true"]', WAIT);
      assert.equal(await focusedId(page), 'task-labels');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
