// Labels on the board (issue 26), in Chromium: the Labels dialog adds,
// renames, recolours and deletes them (a duplicate name refused beside its
// field, in words); cards show them as chips whose name is in the text; a
// second window follows every change live; the picker in the task details
// labels a task by keyboard and by mouse, through the same undoable save as
// the other fields; the label filter lives in the URL through a reload; and
// `l` opens the focused card's details in the picker (never while typing).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { BoardBrowser, card, column, WAIT } from './board-browser.ts';

const b = new BoardBrowser();
before(() => b.start());
after(() => b.close());

const PICKER = 'dialog.task-detail #task-labels';
const chips = (page: Page, name: string) => page.$$eval(`${card(name)} .label-chip`, (found) => found.map((chip) => `${chip.textContent} ${[...chip.classList].find((c) => c.startsWith('label-colour-'))}`));
const options = (page: Page) => page.$$eval('#task-labels-list [role="option"]', (found) => found.map((option) => `${option.textContent}${option.getAttribute('aria-selected') === 'true' ? ' ✓' : ''}`));
const shownCards = (page: Page, key: string) => page.$$eval(`${column(key)} .task:not([hidden]) .task-name`, (names) => names.map((n) => n.textContent));

/** A label made through the API, its name unique in this run. */
const addLabel = (name: string, colour: string): Promise<{ id: number }> => b.api('POST', '/api/labels/', { name, colour });

describe('labels on the board', () => {
  it('are added, refused when the name is taken, renamed, recoloured and deleted in the Labels dialog, and a second window follows', { timeout: 60_000 }, async () => {
    const sprint = await b.createSprint('Labelled sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Squash the bug', sprint: sprint.id });
    const first = await b.openBoard(`#sprint/${sprint.id}`);
    const second = await b.openBoard(`#sprint/${sprint.id}`);
    const { page } = first;
    try {
      await page.waitForSelector(card('Squash the bug'), WAIT);
      await second.page.waitForSelector('.live-state[data-state="live"]', WAIT);
      await page.click('.manage-labels');
      await page.waitForSelector('dialog.labels-dialog[open]', WAIT);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'label-new-name');
      assert.match(await page.textContent('dialog.labels-dialog .label-empty') ?? '', /No labels yet/);
      // Each colour is a radio button named in words.
      assert.equal(await page.textContent('label[for="label-new-colour-red"]'), 'Red');
      await page.keyboard.type('Bug');
      await page.check('#label-new-colour-red');
      await page.click('dialog.labels-dialog .label-new button[type="submit"]');
      await page.waitForSelector('dialog.labels-dialog .label-list .label-chip:text-is("Bug")', WAIT);
      assert.match(await page.textContent('.label-said') ?? '', /Added the label “Bug”/);
      const [bug] = (await b.api('GET', '/api/labels/')).results;
      assert.deepEqual([bug.name, bug.colour], ['Bug', 'red']);

      // The same name again: refused beside the field, in words, and nothing is lost.
      await page.fill('#label-new-name', 'Bug');
      await page.click('dialog.labels-dialog .label-new button[type="submit"]');
      await page.waitForSelector('dialog.labels-dialog [data-error-for="name"] span', WAIT);
      assert.equal(await page.textContent('dialog.labels-dialog [data-error-for="name"] span'), 'A label with this name already exists.');
      assert.equal(await page.getAttribute('#label-new-name', 'aria-invalid'), 'true');
      assert.equal(await page.inputValue('#label-new-name'), 'Bug');
      assert.equal((await b.api('GET', '/api/labels/')).count, 1);

      // On a task, both windows show its chip: the name in the text, the colour from the palette.
      await b.api('PATCH', `/api/tasks/${task.id}/`, { labels: [bug.id] });
      for (const board of [page, second.page]) await board.waitForSelector(`${card('Squash the bug')} .label-chip`, WAIT);
      assert.deepEqual(await chips(second.page, 'Squash the bug'), ['Bug label-colour-red']);
      const named = await second.page.$eval(`${card('Squash the bug')} .task-open`, (button) => button.textContent!.replace(/\s+/g, ' ').trim());
      assert.equal(named, 'Squash the bug Labels: Bug');
      const colours = await second.page.$eval(`${card('Squash the bug')} .label-chip`, (chip) => [getComputedStyle(chip).backgroundColor, getComputedStyle(chip).color]);
      assert.deepEqual(colours, ['rgb(248, 215, 218)', 'rgb(88, 21, 28)']);

      // Renamed and recoloured here: the other window's card follows live.
      await page.click('dialog.labels-dialog .edit-label[aria-label="Edit label Bug"]');
      await page.fill(`#label-${bug.id}-name`, 'Defect');
      await page.check(`#label-${bug.id}-colour-blue`);
      await page.click('dialog.labels-dialog .label-edit button[type="submit"]');
      await second.page.waitForSelector(`${card('Squash the bug')} .label-chip:text-is("Defect")`, WAIT);
      assert.deepEqual(await chips(second.page, 'Squash the bug'), ['Defect label-colour-blue']);
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Edit label Defect');

      // Deleted after a confirmation that says what it does: gone from every card, here and there.
      await page.click('dialog.labels-dialog .delete-label');
      await page.waitForSelector('dialog.labels-dialog .label-delete', WAIT);
      assert.match(await page.textContent('dialog.labels-dialog .label-delete') ?? '', /Delete the label “Defect”\?\s*It comes off every task that has it \(1 task on this board\)/);
      assert.ok(await page.evaluate(() => document.activeElement?.textContent === 'Keep it'), 'the safe answer has focus');
      await page.click('dialog.labels-dialog .label-delete button[type="submit"]');
      await page.waitForSelector('dialog.labels-dialog .label-empty:not([hidden])', WAIT);
      for (const board of [page, second.page]) await board.waitForSelector(`${card('Squash the bug')} .label-chip`, { state: 'detached', ...WAIT });
      assert.deepEqual((await b.api('GET', `/api/tasks/${task.id}/`)).labels, []);
      await page.keyboard.press('Escape');
      await page.waitForSelector('dialog.labels-dialog', { state: 'detached', ...WAIT });
      assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('manage-labels')), true, 'focus is back on the Labels button');
      assert.deepEqual([...first.errors, ...second.errors], []);
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });

  it('label a task from the picker by keyboard (l, typing, Enter), saved undoably, a new label made from the picker, by mouse; a deleted task comes back with its labels', { timeout: 60_000 }, async () => {
    await addLabel('Backend', 'green');
    const frontend = await addLabel('Frontend', 'blue');
    const urgent = await addLabel('Urgent', 'red');
    const sprint = await b.createSprint('Picked labels');
    const task = await b.api('POST', '/api/tasks/', { name: 'Ship it', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      const patches: string[] = [];
      page.on('request', (request) => void (request.method() === 'PATCH' && patches.push(request.postData() ?? '')));
      await page.waitForSelector(card('Ship it'), WAIT);
      await page.focus(`${card('Ship it')} .task-open`);
      await page.keyboard.press('l');
      await page.waitForSelector(`${PICKER}[aria-expanded="true"]`, WAIT);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'task-labels');
      assert.equal(await page.getAttribute('#task-labels-list', 'aria-multiselectable'), 'true');
      assert.deepEqual(await options(page), ['Backend', 'Frontend', 'Urgent']);
      // Typing filters; Enter takes the highlighted label and the list stays open for more.
      await page.keyboard.type('fro');
      assert.deepEqual(await options(page), ['Frontend', '+New label “fro”']);
      await page.keyboard.press('Enter');
      assert.deepEqual(await options(page), ['Backend', 'Frontend ✓', 'Urgent']);
      assert.equal(await page.inputValue(PICKER), '');
      assert.match(await page.textContent('#task-labels-note') ?? '', /“Frontend” added; 1 label chosen\./);
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      assert.deepEqual(await options(page), ['Backend', 'Frontend ✓', 'Urgent ✓']);
      // Escape closes the list, not the dialog; Enter then saves.
      await page.keyboard.press('Escape');
      assert.equal(await page.getAttribute(PICKER, 'aria-expanded'), 'false');
      assert.ok(await page.isVisible('dialog.task-detail[open]'));
      assert.equal(patches.length, 0, 'choosing sends nothing before Save');
      await page.keyboard.press('Enter');
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });
      assert.deepEqual(patches.map((body) => JSON.parse(body)), [{ labels: [frontend.id, urgent.id] }]);
      await page.waitForSelector(`${card('Ship it')} .label-chip:text-is("Urgent")`, WAIT);
      assert.deepEqual(await chips(page, 'Ship it'), ['Frontend label-colour-blue', 'Urgent label-colour-red']);
      // The same undo as every edit.
      await page.waitForSelector('.undo-toast:not([hidden]) .undo', WAIT);
      await page.click('.undo-toast .undo');
      await b.taskBecomes(task.id, (t) => t.labels.length === 0);
      await page.waitForSelector(`${card('Ship it')} .label-chip`, { state: 'detached', ...WAIT });

      // A name no label has is offered as a new label, made and chosen at once; one the API refuses says why.
      await page.click(`${card('Ship it')} .task-open`);
      await page.waitForSelector('dialog.task-detail[open]', WAIT);
      await page.focus(PICKER);
      await page.keyboard.type('Infra');
      assert.deepEqual(await options(page), ['+New label “Infra”']);
      assert.match(await page.textContent('#task-labels-note') ?? '', /No label is named “Infra”: choose “New label” to add it\./);
      await page.keyboard.press('Enter');
      await page.waitForSelector('dialog.task-detail .label-chosen .label-chip:text-is("Infra")', WAIT);
      const infra = (await b.api('GET', '/api/labels/?search=Infra')).results[0];
      assert.deepEqual([infra.name, infra.colour], ['Infra', 'grey']);
      await page.keyboard.type('x'.repeat(51));
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#task-labels-note:has-text("Could not add the label")', WAIT);
      assert.match(await page.textContent('#task-labels-note') ?? '', /no more than 50 characters/);
      await page.fill(PICKER, '');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Escape');
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });
      assert.deepEqual((await b.api('GET', `/api/tasks/${task.id}/`)).labels, [], 'nothing is saved without Save');
      await b.api('DELETE', `/api/labels/${infra.id}/`);

      // By mouse (or finger): the toggle lists them, a click takes one, a chip's × takes it off.
      await page.click(`${card('Ship it')} .task-open`);
      await page.waitForSelector('dialog.task-detail[open]', WAIT);
      // The history says which labels went on and came off, by name.
      await page.waitForSelector('dialog.task-detail .history-entry:has-text("took the labels “Frontend”, “Urgent” off")', WAIT);
      await page.waitForSelector('dialog.task-detail .history-entry:has-text("labelled it “Frontend”, “Urgent”")', WAIT);
      await page.click('dialog.task-detail .label-picker .picker-toggle');
      await page.click('#task-labels-list [role="option"]:has-text("Backend")');
      await page.click('#task-labels-list [role="option"]:has-text("Urgent")');
      assert.deepEqual(await options(page), ['Backend ✓', 'Frontend', 'Urgent ✓']);
      await page.click('dialog.task-detail .label-unchoose[aria-label="Remove label Backend"]');
      assert.deepEqual(await page.$$eval('dialog.task-detail .label-chosen .label-chip', (found) => found.map((chip) => chip.textContent)), ['Urgent']);
      await page.click('dialog.task-detail button[type="submit"]');
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });
      await b.taskBecomes(task.id, (t) => JSON.stringify(t.labels) === JSON.stringify([urgent.id]));
      await page.waitForSelector(`${card('Ship it')} .label-chip:text-is("Urgent")`, WAIT);
      // Deleted and brought back by its undo: with its labels.
      await page.click(`${card('Ship it')} .task-open`);
      await page.click('dialog.task-detail .delete');
      await page.waitForSelector(card('Ship it'), { state: 'detached', ...WAIT });
      await page.click('.undo-toast .undo');
      await page.waitForSelector(`${card('Ship it')} .label-chip:text-is("Urgent")`, WAIT);
      const restored = (await b.api('GET', `/api/tasks/?sprint=${sprint.id}`)).results;
      assert.deepEqual(restored.map((t: { name: string; labels: number[] }) => [t.name, t.labels]), [['Ship it', [urgent.id]]]);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('label a task while the server cannot be reached: queued, sent when it is back, and a conflict shows label names', { timeout: 60_000 }, async () => {
    const ops = await addLabel('Ops', 'teal');
    const risky = await addLabel('Risky', 'orange');
    const sprint = await b.createSprint('Offline labels');
    const calm = await b.api('POST', '/api/tasks/', { name: 'Calm task', sprint: sprint.id });
    const disputed = await b.api('POST', '/api/tasks/', { name: 'Disputed task', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    const api = `${b.app.url}/api/**`;
    const labelOffline = async (name: string, label: string) => {
      await page.focus(`${card(name)} .task-open`);
      await page.keyboard.press('l');
      await page.waitForSelector(`${PICKER}[aria-expanded="true"]`, WAIT);
      await page.keyboard.type(label);
      await page.keyboard.press('Enter');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Enter');
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });
    };
    try {
      await page.waitForSelector(card('Disputed task'), WAIT);
      await page.waitForSelector('.live-state[data-state="live"]', WAIT);
      await page.route(api, (route) => route.abort('internetdisconnected'));
      await labelOffline('Calm task', 'ops');
      await page.waitForSelector('.outbox-state:text-is("Offline: 1 change waiting")', WAIT);
      await page.waitForSelector(`${card('Calm task')}.pending .label-chip:text-is("Ops")`, WAIT);
      assert.deepEqual((await b.api('GET', `/api/tasks/${calm.id}/`)).labels, [], 'nothing reached the server');
      // Back: the list it waited with is the list the server still has, so it is sent without asking.
      await page.unroute(api);
      await b.taskBecomes(calm.id, (t) => JSON.stringify(t.labels) === JSON.stringify([ops.id]));
      await page.waitForSelector('.outbox-state', { state: 'hidden', ...WAIT });
      assert.equal(await page.$('dialog.conflict'), null, 'no conflict where there was none');

      // Someone else labels the task meanwhile: the person picks, the labels named in words.
      await page.route(api, (route) => route.abort('internetdisconnected'));
      await labelOffline('Disputed task', 'ops');
      await page.waitForSelector('.outbox-state:text-is("Offline: 1 change waiting")', WAIT);
      await b.api('PATCH', `/api/tasks/${disputed.id}/`, { labels: [risky.id] });
      await page.unroute(api);
      await page.waitForSelector('dialog.conflict[open]', WAIT);
      assert.equal(await page.textContent('dialog.conflict tr:has(th:text-is("Labels")) .mine'), 'Ops');
      assert.equal(await page.textContent('dialog.conflict tr:has(th:text-is("Labels")) .theirs'), 'Risky');
      await page.click('dialog.conflict .keep-mine');
      await b.taskBecomes(disputed.id, (t) => JSON.stringify(t.labels) === JSON.stringify([ops.id]));
      assert.deepEqual(errors.filter((error) => !error.includes('ERR_INTERNET_DISCONNECTED')), []);
    } finally {
      await context.close();
    }
  });

  it('filter the board by label, kept in the URL through a reload; l never fires while typing, and the help lists it', { timeout: 60_000 }, async () => {
    const docs = await addLabel('Docs', 'purple');
    const sprint = await b.createSprint('Filtered by label');
    await b.api('POST', '/api/tasks/', { name: 'Write the guide', sprint: sprint.id, labels: [docs.id] });
    await b.api('POST', '/api/tasks/', { name: 'Fix the build', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(`${card('Write the guide')} .label-chip`, WAIT);
      await page.selectOption('#filter-label', String(docs.id));
      await page.waitForFunction((id) => location.hash.endsWith(`?label=${id}`), docs.id, WAIT);
      assert.deepEqual(await shownCards(page, 'not-started'), ['Write the guide']);
      assert.equal(await page.textContent(`${column('not-started')} .count`), '1 shown, 1 hidden');
      assert.match(await page.textContent('.filter-summary') ?? '', /^Showing 1 of 2 tasks; the filters hide 1\.$/);
      await page.reload();
      await page.waitForSelector(`${card('Write the guide')} .label-chip`, WAIT);
      assert.equal(await page.inputValue('#filter-label'), String(docs.id));
      assert.deepEqual(await shownCards(page, 'not-started'), ['Write the guide']);
      await page.selectOption('#filter-label', 'none');
      await page.waitForFunction(() => location.hash.endsWith('?label=none'), null, WAIT);
      assert.deepEqual(await shownCards(page, 'not-started'), ['Fix the build']);

      // Typing an l in the search is text, not the shortcut.
      await page.selectOption('#filter-label', '');
      await page.focus('#filter-text');
      await page.keyboard.type('l');
      assert.equal(await page.inputValue('#filter-text'), 'l');
      assert.equal(await page.$('dialog[open]'), null);
      await page.keyboard.press('Escape');
      await page.click('h1');
      await page.keyboard.press('?');
      await page.waitForSelector('dialog.shortcuts-help[open]', WAIT);
      assert.equal(await page.textContent('dialog.shortcuts-help tr:has(kbd:text-is("L")) td'), 'Label the focused task');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
