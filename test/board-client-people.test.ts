// Assigning a task by choosing a person (issue 26): the picker is a
// combobox that lists the board's people by full name, username and
// initials avatar, filtered as one types; only someone in the list (or
// nobody) can be chosen; it works by keyboard and by mouse, and the card
// then shows the avatar named by the person's full name.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BoardBrowser, card, WAIT } from './board-browser.ts';

const b = new BoardBrowser();
before(async () => {
  await b.start();
  await b.createUser('ada', 'Ada Lovelace');
  await b.createUser('grace', 'Grace Hopper');
  await b.createUser('zoe', 'Zoë Ångström');
});
after(() => b.close());

const PICKER = 'dialog.task-detail #task-assigned';

/** The options the list shows now: avatar, name and username. */
const options = (page: import('playwright-core').Page) =>
  page.$$eval('#task-assigned-list [role="option"]', (items) => items.map((item) => [...item.children].map((part) => part.textContent).join(' ')));

describe('the person picker', () => {
  it('chooses by keyboard: arrows open the list, typing filters it, Enter takes the highlighted person', { timeout: 40_000 }, async () => {
    const sprint = await b.createSprint('Picked by keys');
    const task = await b.api('POST', '/api/tasks/', { name: 'Keyed', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      const patches: string[] = [];
      page.on('request', (request) => void (request.method() === 'PATCH' && patches.push(request.postData() ?? '')));
      await page.focus(`${card('Keyed')} .task-open`);
      await page.keyboard.press('Enter');
      await page.waitForSelector('dialog.task-detail[open]', WAIT);
      await page.focus(PICKER);
      assert.equal(await page.getAttribute(PICKER, 'aria-expanded'), 'false');
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.getAttribute(PICKER, 'aria-expanded'), 'true');
      assert.deepEqual(await options(page), ['– Nobody', 'AL Ada Lovelace @ada', 'DU Demo User @demo', 'GH Grace Hopper @grace', 'ZÅ Zoë Ångström @zoe']);
      // Accents aside: "zoe" finds Zoë.
      await page.keyboard.type('zoe');
      assert.deepEqual(await options(page), ['ZÅ Zoë Ångström @zoe']);
      await page.fill(PICKER, '');
      await page.keyboard.type('gr');
      assert.deepEqual(await options(page), ['GH Grace Hopper @grace']);
      const active = await page.getAttribute(PICKER, 'aria-activedescendant');
      assert.match(await page.textContent(`#${active}`) ?? '', /Grace Hopper/);
      await page.keyboard.press('Enter');
      assert.equal(await page.inputValue(PICKER), 'Grace Hopper');
      assert.equal(await page.getAttribute(PICKER, 'aria-expanded'), 'false');
      assert.ok(await page.isVisible('dialog.task-detail[open]'), 'Enter in the open list chose; it did not submit');
      assert.equal(patches.length, 0);

      // Escape closes the list, not the dialog; a second Escape is the dialog's.
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Escape');
      assert.equal(await page.getAttribute(PICKER, 'aria-expanded'), 'false');
      assert.ok(await page.isVisible('dialog.task-detail[open]'));

      await page.keyboard.press('Enter'); // the list is closed: Enter saves
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });
      assert.deepEqual(patches.map((body) => JSON.parse(body)), [{ assigned: 'grace' }]);
      assert.equal((await b.api('GET', `/api/tasks/${task.id}/`)).assigned, 'grace');
      const avatar = `${card('Keyed')} .avatar[role="img"]`;
      await page.waitForSelector(avatar, WAIT);
      assert.equal(await page.getAttribute(avatar, 'aria-label'), 'Grace Hopper');
      assert.equal(await page.textContent(avatar), 'GH');
      // The card's accessible name carries the person's full name, not the username.
      const name = await page.$eval(`${card('Keyed')} .task-open`, (button) => button.textContent);
      assert.doesNotMatch(name ?? '', /grace/);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('chooses by mouse (and finger): the toggle lists everyone, a click takes one, and "Nobody" unassigns', { timeout: 40_000 }, async () => {
    const sprint = await b.createSprint('Picked by mouse');
    const task = await b.api('POST', '/api/tasks/', { name: 'Clicked', sprint: sprint.id, assigned: 'demo' });
    const { context, page } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(`${card('Clicked')} .avatar[aria-label="Demo User"]`, WAIT);
      await page.click(`${card('Clicked')} .task-open`);
      await page.waitForSelector('dialog.task-detail[open]', WAIT);
      assert.equal(await page.inputValue(PICKER), 'Demo User');
      await page.click('dialog .picker-toggle');
      await page.click('#task-assigned-list [role="option"]:has-text("Ada Lovelace")');
      assert.equal(await page.inputValue(PICKER), 'Ada Lovelace');
      await page.click('dialog button[type="submit"]');
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });
      await b.taskBecomes(task.id, (t) => t.assigned === 'ada');
      await page.waitForSelector(`${card('Clicked')} .avatar[aria-label="Ada Lovelace"]`, WAIT);

      await page.click(`${card('Clicked')} .task-open`);
      await page.click('dialog .picker-toggle');
      await page.click('#task-assigned-list [role="option"]:has-text("Nobody")');
      await page.click('dialog button[type="submit"]');
      await b.taskBecomes(task.id, (t) => t.assigned === null);
      await page.waitForSelector(`${card('Clicked')} .avatar`, { state: 'detached', ...WAIT });
    } finally {
      await context.close();
    }
  });

  it('cannot choose someone who is not in the list: the text goes back, and nothing is sent', { timeout: 40_000 }, async () => {
    const sprint = await b.createSprint('Picked wrongly');
    await b.api('POST', '/api/tasks/', { name: 'Unknown', sprint: sprint.id, assigned: 'ada' });
    const { context, page } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      const writes: string[] = [];
      page.on('request', (request) => void (request.method() !== 'GET' && writes.push(request.url())));
      await page.click(`${card('Unknown')} .task-open`);
      await page.fill(PICKER, 'bob');
      await page.waitForSelector('#task-assigned-note:has-text("No one matches “bob”.")', WAIT);
      assert.deepEqual(await options(page), []);
      await page.keyboard.press('Enter'); // nothing highlighted: nothing chosen, and no save
      await page.keyboard.press('Tab');
      assert.equal(await page.inputValue(PICKER), 'Ada Lovelace');
      await page.click('dialog button[type="submit"]');
      await page.waitForSelector('text=Nothing changed.', WAIT);
      assert.deepEqual(writes, []);
    } finally {
      await context.close();
    }
  });
});
