// Moves as every member of the team meets them, in Chromium against the real
// app: the Undo toast's timing and focus, announcements naming the moved
// task with its column and position, one write per move (the neighbours'
// histories untouched), and the offline queue counting the person's own
// moves, each undoable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { BoardBrowser, card, column, WAIT } from './board-browser.ts';

const TEST_TIMEOUT = 60_000;
const b = new BoardBrowser();
before(() => b.start());
after(() => b.close());

async function sprintWith(name: string, tasks: Array<{ name: string; status?: number }>): Promise<{ id: number; tasks: any[] }> {
  const sprint = await b.createSprint(name);
  const made = [];
  for (const [i, task] of tasks.entries()) made.push(await b.api('POST', '/api/tasks/', { sprint: sprint.id, status: 1, order: i * 1024, ...task }));
  return { id: sprint.id, tasks: made };
}

const names = (page: Page, key: string) => page.$$eval(`${column(key)} .task-name`, (els) => els.map((el) => el.textContent));
const announced = (page: Page) => page.textContent('.announce');
const focusedCard = (page: Page) => page.evaluate(() => document.activeElement?.closest('.task')?.querySelector('.task-name')?.textContent ?? document.activeElement?.className);

describe('moves on the board', () => {
  it('keeps the toast while it has focus or the pointer, reaches it with Alt+U, and gives focus back when it goes', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await sprintWith('Toast sprint', [{ name: 'Alpha' }, { name: 'Beta' }, { name: 'Gamma' }]);
    const { context, page, errors } = await b.openBoard();
    try {
      await page.clock.install();
      await page.goto(`${b.app.url}/board/#sprint/${sprint.id}`);
      await page.waitForSelector(card('Gamma'), WAIT);
      assert.match((await page.textContent('#move-help'))!, /Drag tasks.*Alt\+U goes to its Undo button/);
      await page.focus(`${card('Alpha')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector('.undo-toast:not([hidden]) .undo', WAIT);
      await page.keyboard.press('Alt+u');
      assert.equal(await page.evaluate(() => document.activeElement?.className), 'undo link', 'one key press from the card');
      await page.clock.runFor(30_000);
      assert.equal(await page.isVisible('.undo-toast'), true, 'held while focused');
      // Undo from the keyboard: the toast says so and keeps focus, then gives it back to the card.
      await page.keyboard.press('Enter');
      await page.waitForSelector('.undo-label:has-text("Undone: Moved “Alpha” to In Development.")', WAIT);
      await page.waitForSelector(`${column('not-started')} ${card('Alpha')}`, WAIT);
      await page.clock.runFor(9_000);
      await page.waitForSelector('.undo-toast', { state: 'hidden', ...WAIT });
      assert.equal(await focusedCard(page), 'Alpha', 'focus went back to the moved card');

      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector('.undo-toast:not([hidden]) .undo', WAIT);
      await page.hover('.undo-toast');
      await page.clock.runFor(30_000);
      assert.equal(await page.isVisible('.undo-toast'), true, 'held while the pointer is over it');
      await page.mouse.move(5, 5);
      await page.clock.runFor(9_000);
      await page.waitForSelector('.undo-toast', { state: 'hidden', ...WAIT });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('never covers the card it talks about, at phone width', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await sprintWith('Covered sprint', Array.from({ length: 8 }, (_, i) => ({ name: `Card ${i + 1}`, status: 2 })));
    const { context, page } = await b.openBoard(`#sprint/${sprint.id}`, { viewport: { width: 390, height: 844 } });
    try {
      await page.waitForSelector(card('Card 8'), WAIT);
      // The moved card at the very bottom of the screen, where the toast appears.
      await page.$eval(card('Card 8'), (el) => el.scrollIntoView({ block: 'end' }));
      await page.focus(`${card('Card 8')} .task-open`);
      await page.keyboard.press('Shift+ArrowUp');
      await page.waitForSelector('.undo-toast:not([hidden])', WAIT);
      const [toast, moved] = [(await page.locator('.undo-toast').boundingBox())!, (await page.locator(card('Card 8')).boundingBox())!];
      const overlap = toast.y < moved.y + moved.height && moved.y < toast.y + toast.height;
      assert.equal(overlap, false, `toast ${JSON.stringify(toast)} over card ${JSON.stringify(moved)}`);
    } finally {
      await context.close();
    }
  });

  it('announces the moved task, its column and position, moving down, up and across', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await sprintWith('Spoken sprint', [{ name: 'One' }, { name: 'Two' }, { name: 'Three' }]);
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(card('Three'), WAIT);
      await page.focus(`${card('Two')} .task-open`);
      await page.keyboard.press('Shift+ArrowDown');
      await page.waitForSelector('.announce:text-is("Moved “Two” to Not Started, position 3 of 3.")', WAIT);
      assert.deepEqual(await names(page, 'not-started'), ['One', 'Three', 'Two']);
      assert.equal(await focusedCard(page), 'Two');
      await page.keyboard.press('Shift+ArrowUp');
      await page.waitForSelector('.announce:text-is("Moved “Two” to Not Started, position 2 of 3.")', WAIT);
      await page.keyboard.press('Shift+ArrowUp');
      await page.waitForSelector('.announce:text-is("Moved “Two” to Not Started, position 1 of 3.")', WAIT);
      assert.deepEqual(await names(page, 'not-started'), ['Two', 'One', 'Three']);
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector('.announce:text-is("Moved “Two” to In Development, position 1 of 1.")', WAIT);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('announces a move made in the details like any other, focus back on the card', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await sprintWith('Detailed sprint', [{ name: 'Here' }, { name: 'There', status: 3 }]);
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.click(`${card('Here')} .task-open`);
      await page.waitForSelector('dialog.task-detail[open]', WAIT);
      await page.selectOption('#task-column', 'in-testing');
      await page.click('dialog.task-detail button[type="submit"]');
      await page.waitForSelector('.announce:text-is("Moved “Here” to In Testing, position 1 of 2.")', WAIT);
      assert.equal(await focusedCard(page), 'Here');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('writes only the moved task, 20 random moves counted at the API, the others\' histories untouched', { timeout: 120_000 }, async () => {
    const sprint = await sprintWith('Random sprint', Array.from({ length: 8 }, (_, i) => ({ name: `Random ${i + 1}`, status: 1 + (i % 4) })));
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    const writes: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/') && request.method() !== 'GET') writes.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    const before = new Map<number, number>();
    for (const task of sprint.tasks) before.set(task.id, (await b.api('GET', `/api/tasks/${task.id}/history/`)).count);
    const movedTimes = new Map<number, number>();
    let seed = 23;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    try {
      await page.waitForSelector(card('Random 8'), WAIT);
      for (let move = 0; move < 20; move++) {
        const task = sprint.tasks[random(sprint.tasks.length)];
        const where = await page.$eval(card(task.name), (el) => {
          const list = [...el.parentElement!.children];
          const columns = [...document.querySelectorAll('.column')];
          return { position: list.indexOf(el), count: list.length, column: columns.indexOf(el.closest('.column')!), columns: columns.length };
        });
        const keys = [
          where.column > 0 && 'Shift+ArrowLeft',
          where.column < where.columns - 1 && 'Shift+ArrowRight',
          where.position > 0 && 'Shift+ArrowUp',
          where.position < where.count - 1 && 'Shift+ArrowDown',
        ].filter(Boolean) as string[];
        const key = keys[random(keys.length)]!;
        const said = await announced(page);
        await page.focus(`${card(task.name)} .task-open`);
        await page.keyboard.press(key);
        await page.waitForFunction((previous) => document.querySelector('.announce')?.textContent !== previous && !document.querySelector('.task.saving'), said, WAIT);
        assert.match((await announced(page))!, new RegExp(`^Moved “${task.name}” to `), `move ${move}: ${key} on ${task.name}`);
        movedTimes.set(task.id, (movedTimes.get(task.id) ?? 0) + 1);
      }
      await page.waitForLoadState('networkidle');
      assert.equal(writes.length, 20, writes.join('\n'));
      for (const task of sprint.tasks) {
        const count = (await b.api('GET', `/api/tasks/${task.id}/history/`)).count;
        assert.equal(count, before.get(task.id)! + (movedTimes.get(task.id) ?? 0), `${task.name}: one entry per move of its own`);
      }
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('sends two quick moves of one card one after the other, so the server ends where the board shows it', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await sprintWith('Quick moves sprint', [{ name: 'Hurried' }]);
    const [task] = sprint.tasks;
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(card('Hurried'), WAIT);
      const isTask = (url: URL) => url.pathname === `/api/tasks/${task.id}/`;
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let writes = 0;
      let firstAnswered = false;
      const secondSentAfterFirstAnswered: boolean[] = [];
      page.on('requestfinished', (request) => {
        if (request.method() === 'PATCH' && isTask(new URL(request.url()))) firstAnswered = true;
      });
      let firstArrived!: () => void;
      const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
      // The first write is held at the network; the second would overtake it.
      await page.route(isTask, async (route) => {
        if (route.request().method() !== 'PATCH') return route.continue();
        writes++;
        if (writes === 1) {
          firstArrived();
          await released;
        } else secondSentAfterFirstAnswered.push(firstAnswered);
        await route.continue();
      });
      await page.focus(`${card('Hurried')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await arrived;
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector(`${column('in-testing')} ${card('Hurried')}`, WAIT);
      release();
      await b.taskBecomes(task.id, (t) => t.status === 3);
      assert.deepEqual(secondSentAfterFirstAnswered, [true], 'the second move left only once the first was answered');
      await page.waitForFunction(() => /Moved “Hurried” to In Testing/.test(document.querySelector('.announce')?.textContent ?? ''), null, WAIT);
      assert.equal((await b.api('GET', `/api/tasks/${task.id}/`)).status, 3, 'where the board shows it');
      assert.deepEqual(await names(page, 'in-testing'), ['Hurried']);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('makes room in a column without any, in one write, and an undo puts the task back beside its old neighbour', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Dense sprint');
    const tasks = [];
    // Orders 0, 1, 2 as the book's client leaves them: no room between any two.
    for (const [i, name] of ['Dense A', 'Dense B', 'Dense C'].entries()) tasks.push(await b.api('POST', '/api/tasks/', { name, sprint: sprint.id, order: i }));
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    const writes: string[] = [];
    page.on('request', (request) => void (request.method() !== 'GET' && request.url().includes('/api/') && writes.push(request.url())));
    try {
      await page.waitForSelector(card('Dense C'), WAIT);
      await page.focus(`${card('Dense C')} .task-open`);
      await page.keyboard.press('Shift+ArrowUp');
      await page.waitForSelector('.announce:text-is("Moved “Dense C” to Not Started, position 2 of 3.")', WAIT);
      assert.equal(writes.length, 1);
      assert.match(writes[0]!, new RegExp(`/api/tasks/${tasks[2].id}/\\?before=${tasks[1].id}$`));
      await page.waitForFunction(() => [...document.querySelectorAll('.column[data-column="not-started"] .task-name')].map((el) => el.textContent).join() === 'Dense A,Dense C,Dense B', undefined, WAIT);

      await page.keyboard.press('Control+z');
      await page.waitForSelector('.undo-label:has-text("Undone")', WAIT);
      await page.waitForFunction(() => [...document.querySelectorAll('.column[data-column="not-started"] .task-name')].map((el) => el.textContent).join() === 'Dense A,Dense B,Dense C', undefined, WAIT);
      const column = (await b.api('GET', `/api/tasks/?sprint=${sprint.id}&status=1`)).results.map((t: any) => t.name);
      assert.deepEqual(column, ['Dense A', 'Dense B', 'Dense C'], 'the server agrees');
      for (const task of tasks.slice(0, 2)) assert.equal((await b.api('GET', `/api/tasks/${task.id}/history/`)).count, 1, `${task.name} was only renumbered`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('counts three offline moves as three changes, marks only the moved cards, and undoes a queued move', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await sprintWith('Queued sprint', ['North', 'East', 'South', 'West', 'Still'].map((name) => ({ name })));
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    const api = `${b.app.url}/api/**`;
    try {
      await page.waitForSelector(card('Still'), WAIT);
      await page.route(api, (route) => route.abort('internetdisconnected'));
      for (const name of ['North', 'East', 'South']) {
        await page.focus(`${card(name)} .task-open`);
        await page.keyboard.press('Shift+ArrowRight');
        await page.waitForSelector(`${column('in-development')} ${card(name)}.pending`, WAIT);
      }
      await page.waitForSelector('.outbox-state:text-is("Offline: 3 changes waiting")', WAIT);
      assert.deepEqual(await page.$$eval('.task.pending .task-name', (els) => els.map((el) => el.firstChild!.textContent).sort()), ['East', 'North', 'South']);
      assert.match((await announced(page))!, /^“South” is shown in In Development, position 1 of 3, waiting to be sent/);
      assert.equal(await page.textContent('.undo-label'), 'Moved “South” to In Development, waiting to be sent.', 'the toast, a live region too, does not say it was made');
      await new Promise((resolve) => setTimeout(resolve, 2500)); // a retry meanwhile
      assert.match((await announced(page))!, /waiting to be sent/, 'the announcement is kept');

      await page.keyboard.press('Control+z');
      await page.waitForSelector('.outbox-state:text-is("Offline: 2 changes waiting")', WAIT);
      await page.waitForSelector(`${column('not-started')} ${card('South')}:not(.pending)`, WAIT);

      await page.unroute(api);
      await page.waitForSelector('.outbox-state', { state: 'hidden', ...WAIT });
      const [north, , south] = sprint.tasks;
      await b.taskBecomes(north.id, (t) => t.status === 2);
      assert.equal((await b.api('GET', `/api/tasks/${south.id}/`)).status, 1, 'the undone move was never sent');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
