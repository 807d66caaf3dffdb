// Undo on the board in Chromium against the real app: the toast's Undo and
// Ctrl+Z put a move back; an undo over someone else's change is refused and
// overwrites nothing; a deleted task comes back, its history saying so.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BoardBrowser, card, column, WAIT } from './board-browser.ts';

const TEST_TIMEOUT = 30_000;
const b = new BoardBrowser();
before(() => b.start());
after(() => b.close());

describe('undo on the board', () => {
  it('puts a move back from the toast, and again with Ctrl+Z', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Undo sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Undoable', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(`${column('not-started')} ${card('Undoable')}`, WAIT);
      await page.focus(`${card('Undoable')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector('.undo-toast:not([hidden]) .undo', WAIT);
      assert.equal(await page.textContent('.undo-label'), 'Moved “Undoable” to In Development.');
      await b.taskBecomes(task.id, (t) => t.status === 2 && t.started !== null);
      await page.click('.undo-toast .undo');
      await page.waitForSelector('.undo-label:has-text("Undone: Moved “Undoable” to In Development.")', WAIT);
      await page.waitForSelector(`${column('not-started')} ${card('Undoable')}`, WAIT);
      await b.taskBecomes(task.id, (t) => t.status === 1 && t.started === null);

      await page.focus(`${card('Undoable')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      // Exactly this text: "Undone: Moved …" still on the toast contains it, and Ctrl+Z before the move is recorded has nothing to undo.
      await page.waitForFunction((text) => document.querySelector('.undo-label')?.textContent === text, 'Moved “Undoable” to In Development.', WAIT);
      await b.taskBecomes(task.id, (t) => t.status === 2);
      await page.keyboard.press('Control+z');
      await page.waitForSelector(`${column('not-started')} ${card('Undoable')}`, WAIT);
      await b.taskBecomes(task.id, (t) => t.status === 1);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('undoes a move with Ctrl+Z pressed before the server answers; the toast undoes the change it names', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Quick undo sprint');
    const first = await b.api('POST', '/api/tasks/', { name: 'Answered', sprint: sprint.id });
    const second = await b.api('POST', '/api/tasks/', { name: 'In flight', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    /** Hold the writes of `task` (once `arrived`) until `answer` says whether to let them through or refuse them. */
    const holdWrite = async (task: { id: number }) => {
      let answer!: (how: 'continue' | 'refuse') => void;
      const how = new Promise<'continue' | 'refuse'>((resolve) => (answer = resolve));
      let held!: () => void;
      const arrived = new Promise<void>((resolve) => (held = resolve));
      const isWrite = (url: URL) => url.pathname === `/api/tasks/${task.id}/`;
      await page.route(isWrite, async (route) => {
        if (route.request().method() !== 'PATCH') return route.continue();
        held();
        if ((await how) === 'continue') return route.continue();
        return route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ status: ['Not today.'] }) });
      });
      return { arrived, answer, done: () => page.unroute(isWrite) };
    };
    try {
      await page.waitForSelector(`${column('not-started')} ${card('In flight')}`, WAIT);

      // Ctrl+Z while the move's write is on its way: the move is undone once it lands.
      const held = await holdWrite(second);
      await page.focus(`${card('In flight')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await held.arrived;
      await page.waitForSelector(`${column('in-development')} ${card('In flight')}`, WAIT);
      await page.keyboard.press('Control+z');
      await page.waitForFunction(() => document.querySelector('.undo-label')?.textContent === 'Undoing…', undefined, WAIT);
      held.answer('continue');
      await page.waitForFunction(() => document.querySelector('.undo-label')?.textContent === 'Undone: Moved “In flight” to In Development.', undefined, WAIT);
      await page.waitForSelector(`${column('not-started')} ${card('In flight')}`, WAIT);
      await b.taskBecomes(second.id, (t) => t.status === 1);
      await held.done();

      // A move the server refuses: Ctrl+Z meanwhile says there is nothing to undo.
      const heldAgain = await holdWrite(second);
      await page.focus(`${card('In flight')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await heldAgain.arrived;
      await page.keyboard.press('Control+z');
      heldAgain.answer('refuse');
      await page.waitForFunction(() => document.querySelector('.undo-refused')?.textContent === 'Nothing to undo: “In flight” was not moved.', undefined, WAIT);
      await page.waitForSelector(`${column('not-started')} ${card('In flight')}`, WAIT);
      await heldAgain.done();

      // The toast names the last answered move: its Undo undoes that one, though another move is on its way.
      await page.focus(`${card('Answered')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForFunction(() => document.querySelector('.undo-label')?.textContent === 'Moved “Answered” to In Development.', undefined, WAIT);
      await b.taskBecomes(first.id, (t) => t.status === 2);
      const heldLast = await holdWrite(second);
      await page.focus(`${card('In flight')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await heldLast.arrived;
      await page.click('.undo-toast .undo');
      await page.waitForFunction(() => document.querySelector('.undo-label')?.textContent === 'Undone: Moved “Answered” to In Development.', undefined, WAIT);
      await b.taskBecomes(first.id, (t) => t.status === 1);
      heldLast.answer('continue');
      await b.taskBecomes(second.id, (t) => t.status === 2);
      await page.waitForSelector(`${column('in-development')} ${card('In flight')}`, WAIT);
      await heldLast.done();
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('refuses to undo over someone else\'s change, and says so', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Contested sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Contested', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector('.live-state[data-state="live"]', WAIT);
      await page.waitForSelector(`${column('not-started')} ${card('Contested')}`, WAIT);
      await page.focus(`${card('Contested')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector('.undo-toast:not([hidden]) .undo', WAIT);
      await b.taskBecomes(task.id, (t) => t.status === 2);
      await b.api('PATCH', `/api/tasks/${task.id}/`, { status: 3 }); // someone else, elsewhere
      await page.waitForSelector(`${column('in-testing')} ${card('Contested')}`, WAIT);
      await page.click('.undo-toast .undo');
      await page.waitForSelector('.undo-refused', WAIT);
      assert.equal(await page.textContent('.undo-refused'), 'Cannot undo: someone else changed “Contested” since. Nothing was undone.');
      const now = await b.api('GET', `/api/tasks/${task.id}/`);
      assert.equal(now.status, 3, 'their change stands');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('brings a deleted task back, its history saying it was restored', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Delete sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Regretted', description: 'keep this', sprint: sprint.id, status: 2, started: '2030-01-01' });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await page.click(`${card('Regretted')} .task-open`, WAIT);
      await page.click('dialog .delete');
      await page.waitForSelector(card('Regretted'), { state: 'detached', ...WAIT });
      await page.waitForSelector('.undo-label:has-text("Deleted “Regretted”.")', WAIT);
      await page.click('.undo-toast .undo');
      await page.waitForSelector(`${column('in-development')} ${card('Regretted')}`, WAIT);
      const id = Number(await page.getAttribute(card('Regretted'), 'data-task-id'));
      assert.notEqual(id, task.id);
      const back = await b.api('GET', `/api/tasks/${id}/`);
      assert.deepEqual([back.description, back.status, back.started], ['keep this', 2, '2030-01-01']);
      await page.click(`${card('Regretted')} .task-open`);
      await page.waitForSelector('.history-entry', WAIT);
      assert.match((await page.textContent('.history-entry'))!, new RegExp(`^demo restored it \\(deleted as #${task.id}\\)`));
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
