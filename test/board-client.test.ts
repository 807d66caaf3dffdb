// The Scrum board's client in Chromium against the real app: logging in and
// out, sprints and tasks, drag and drop, keyboard moves, and two boards on one
// sprint seeing each other's changes live.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BoardBrowser, card, column, localDate, WAIT } from './board-browser.ts';

const TEST_TIMEOUT = 30_000;
const board = new BoardBrowser();

before(() => board.start());
after(() => board.close());

const today = () => localDate(new Date());
const api = <T>(method: string, path: string, body?: unknown) => board.api<T>(method, path, body);
const openBoard = (hash?: string) => board.openBoard(hash);
const createSprint = (name: string) => board.createSprint(name);
const taskBecomes = (id: number, check: (task: Task) => boolean): Promise<Task> => board.taskBecomes(id, check);

interface Task {
  id: number;
  name: string;
  sprint: number | null;
  status: number;
  order: number;
  started: string | null;
  completed: string | null;
}

describe('the board in Chromium', () => {
  it('shows the API error for a wrong password above the form, then logs in', { timeout: TEST_TIMEOUT }, async () => {
    const context = await board.browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${board.app.url}/board/`);
      await page.fill('#login-username', 'demo');
      await page.fill('#login-password', 'not the password');
      await page.click('.login button[type="submit"]');
      await page.waitForSelector('.form-errors p', WAIT);
      assert.equal(await page.textContent('.form-errors'), 'Unable to log in with provided credentials.');

      await page.fill('#login-username', '');
      await page.click('.login button[type="submit"]');
      await page.waitForSelector('[data-error-for="username"] span', WAIT);
      assert.equal(await page.textContent('[data-error-for="username"]'), 'This field may not be blank.');

      await page.fill('#login-username', 'demo');
      await page.fill('#login-password', 'test');
      await page.click('.login button[type="submit"]');
      await page.waitForSelector('.home h1', WAIT);
      assert.match((await page.evaluate(() => localStorage.getItem('board.token'))) ?? '', /^[0-9a-f]{40}$/);
      assert.ok(await page.isVisible('#header .logout'));
    } finally {
      await context.close();
    }
  });

  it('creates a sprint, adds a task and drags it from Backlog to In Development', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, errors } = await openBoard();
    try {
      await page.click('.add-sprint', WAIT);
      await page.fill('#sprint-name', 'Drag sprint');
      await page.fill('#sprint-end', '2001-01-01');
      await page.click('.new-sprint button[type="submit"]');
      await page.waitForSelector('[data-error-for="end"] span', WAIT);
      assert.equal(await page.textContent('[data-error-for="end"]'), 'End date cannot be in the past.');
      errors.length = 0; // Chromium logs the 400 it was meant to get

      const end = board.nextSprintEnd();
      await page.fill('#sprint-end', end);
      await page.click('.new-sprint button[type="submit"]');
      await page.waitForSelector('.sprint-header h1', WAIT);
      assert.equal(await page.textContent('.sprint-header h1'), 'Drag sprint');
      const sprintId = Number(/#sprint\/(\d+)$/.exec(page.url())?.[1]);
      assert.equal((await api<{ end: string }>('GET', `/api/sprints/${sprintId}/`)).end, end);

      await page.click('.add-task');
      await page.fill('#task-name', 'Drag me');
      await page.fill('#task-description', 'From the backlog');
      await page.click('.add-task-form button[type="submit"]');
      await page.waitForSelector(`${column('backlog')} ${card('Drag me')}`, WAIT);
      const taskId = Number(await page.getAttribute(card('Drag me'), 'data-task-id'));
      const created = await api<Task>('GET', `/api/tasks/${taskId}/`);
      assert.deepEqual([created.sprint, created.status, created.started], [null, 1, null]);

      await page.dragAndDrop(card('Drag me'), column('in-development'));
      await page.waitForSelector(`${column('in-development')} ${card('Drag me')}`, WAIT);
      const moved = await taskBecomes(taskId, (task) => task.status === 2);
      assert.deepEqual([moved.sprint, moved.status, moved.started, moved.completed], [sprintId, 2, today(), null]);

      // And back: to the backlog clears started again (the book's moveTo).
      await page.dragAndDrop(card('Drag me'), column('backlog'));
      const back = await taskBecomes(taskId, (task) => task.sprint === null);
      assert.deepEqual([back.status, back.started], [1, null]);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('shows a second board every change at once: a new task, the other drag, the move', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await createSprint('Shared sprint');
    const first = await openBoard(`#sprint/${sprint.id}`);
    const second = await openBoard(`#sprint/${sprint.id}`);
    try {
      for (const { page } of [first, second]) await page.waitForSelector('.live-state[data-state="live"]', WAIT);
      await second.page.evaluate(() => Object.assign(window, { notReloaded: true }));

      await first.page.click('.add-task');
      await first.page.fill('#task-name', 'Seen live');
      await first.page.click('.add-task-form button[type="submit"]');
      await second.page.waitForSelector(`${column('backlog')} ${card('Seen live')}`, WAIT);
      assert.equal(await second.page.getAttribute(card('Seen live'), 'class'), 'task');

      // Hold the drag over In Testing: the other board dims and locks the card meanwhile.
      await first.page.hover(card('Seen live'));
      await first.page.mouse.down();
      const target = (await first.page.locator(column('in-testing')).boundingBox())!;
      await first.page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 5 });
      await second.page.waitForSelector(`${card('Seen live')}.locked`, WAIT);
      assert.equal(await second.page.getAttribute(card('Seen live'), 'draggable'), 'false');
      await first.page.mouse.up();

      await second.page.waitForSelector(`${column('in-testing')} ${card('Seen live')}:not(.locked)`, WAIT);
      const taskId = Number(await second.page.getAttribute(card('Seen live'), 'data-task-id'));
      const task = await taskBecomes(taskId, (t) => t.status === 3);
      assert.deepEqual([task.sprint, task.started], [sprint.id, today()]);
      assert.equal(await second.page.evaluate(() => 'notReloaded' in window), true);
      assert.deepEqual([...first.errors, ...second.errors], []);
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });

  it('reconnects after a dropped connection with a fresh channel and shows what it missed', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await createSprint('Reconnect sprint');
    const board = await openBoard(`#sprint/${sprint.id}`);
    try {
      // Keep a handle on the page's websockets, to cut the connection from the test.
      await board.page.addInitScript(() => {
        const sockets: WebSocket[] = [];
        window.WebSocket = class extends WebSocket {
          constructor(...args: ConstructorParameters<typeof WebSocket>) {
            super(...args);
            sockets.push(this);
          }
        };
        Object.assign(window, { sockets });
      });
      await board.page.reload();
      await board.page.waitForSelector('.live-state[data-state="live"]', WAIT);
      const sprintFetches: string[] = [];
      board.page.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith(`/api/sprints/${sprint.id}`)) sprintFetches.push(request.url());
      });

      await board.page.evaluate(() => (window as unknown as { sockets: WebSocket[] }).sockets[0]!.close());
      await board.page.waitForSelector('.live-state[data-state="offline"]', WAIT);
      await api('POST', '/api/tasks/', { name: 'Made while away', sprint: sprint.id });

      await board.page.waitForSelector('.live-state[data-state="live"]', WAIT);
      await board.page.waitForSelector(`${column('not-started')} ${card('Made while away')}`, WAIT);
      assert.equal(await board.page.evaluate(() => (window as unknown as { sockets: WebSocket[] }).sockets.length), 2);
      assert.ok(sprintFetches.length >= 1, 'the sprint was fetched again for a fresh channel');
      assert.deepEqual(board.errors, []);
    } finally {
      await board.context.close();
    }
  });

  it('moves tasks from the keyboard: between columns and within one', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await createSprint('Keyboard sprint');
    const upper = await api<Task>('POST', '/api/tasks/', { name: 'Keyboard upper', sprint: sprint.id });
    const lower = await api<Task>('POST', '/api/tasks/', { name: 'Keyboard lower', sprint: sprint.id });
    const { context, page, errors } = await openBoard(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(`${column('not-started')} ${card('Keyboard lower')}`, WAIT);
      const names = () => page.locator(`${column('not-started')} .task-name`).allTextContents();
      assert.deepEqual(await names(), ['Keyboard upper', 'Keyboard lower']);

      await page.focus(`${card('Keyboard lower')} .task-open`);
      await page.keyboard.press('Shift+ArrowUp');
      await page.waitForFunction(
        () => document.querySelector('.column[data-column="not-started"] .task-name')?.textContent === 'Keyboard lower',
        null,
        WAIT,
      );
      // The board shows the move at once and saves it just after: wait (bounded) for the API to agree.
      const orders = async () => [(await api<Task>('GET', `/api/tasks/${lower.id}/`)).order, (await api<Task>('GET', `/api/tasks/${upper.id}/`)).order];
      let [movedUp, pushedDown] = await orders();
      for (let i = 0; i < 50 && !(movedUp! < pushedDown!); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        [movedUp, pushedDown] = await orders();
      }
      assert.ok(movedUp! < pushedDown!, `orders ${movedUp} and ${pushedDown}`);

      // Focus stays on the card as it moves, so the keys can be pressed again.
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector(`${column('in-development')} ${card('Keyboard lower')}`, WAIT);
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector(`${column('in-testing')} ${card('Keyboard lower')}`, WAIT);
      const tested = await taskBecomes(lower.id, (task) => task.status === 3);
      assert.equal(tested.started, today());
      // The announcement follows the last save of the move, which may land after the status.
      await page.waitForFunction(() => /Moved “Keyboard lower” to In Testing/.test(document.querySelector('.announce')?.textContent ?? ''), null, WAIT);

      await page.keyboard.press('Shift+ArrowLeft');
      await page.keyboard.press('Shift+ArrowLeft');
      await page.waitForSelector(`${column('not-started')} ${card('Keyboard lower')}`, WAIT);
      const back = await taskBecomes(lower.id, (task) => task.status === 1);
      assert.deepEqual([back.sprint, back.started], [sprint.id, null]);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('edits a task in place, saving only what changed, with errors beside the field', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await createSprint('Detail sprint');
    const task = await api<Task>('POST', '/api/tasks/', { name: 'Detailed', description: 'Before', sprint: sprint.id });
    const { context, page } = await openBoard(`#sprint/${sprint.id}`);
    try {
      const patches: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'PATCH') patches.push(request.postData() ?? '');
      });
      await page.click(`${card('Detailed')} .task-open`, WAIT);
      await page.waitForSelector('dialog.task-detail[open]', WAIT);

      // A name no one has cannot be chosen: the list says so, and leaving the field puts the choice back.
      await page.click('[data-field="assigned"]');
      await page.keyboard.type('nobody');
      await page.waitForSelector('text=No one matches “nobody”.', WAIT);
      await page.click('dialog [data-field="name"]');
      assert.equal(await page.inputValue('[data-field="assigned"]'), '');
      await page.click('dialog button[type="submit"]');
      await page.waitForSelector('text=Nothing changed.', WAIT);
      assert.equal(patches.length, 0);

      await page.fill('[data-field="assigned"]', 'demo');
      await page.keyboard.press('Enter');
      await page.fill('[data-field="due"]', '2031-02-03');
      await page.click('dialog button[type="submit"]');
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });
      assert.deepEqual(JSON.parse(patches.at(-1)!), { due: '2031-02-03', assigned: 'demo' });
      const saved = await api<Task & { assigned: string; due: string; description: string }>('GET', `/api/tasks/${task.id}/`);
      assert.deepEqual([saved.assigned, saved.due, saved.description], ['demo', '2031-02-03', 'Before']);
      await page.waitForSelector(`${card('Detailed')} .avatar[role="img"][aria-label="Demo User"]`, WAIT);
    } finally {
      await context.close();
    }
  });

  it('says "Sprint N not found." for an unknown sprint', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page } = await openBoard('#sprint/987654');
    try {
      await page.waitForSelector('text=Sprint 987654 not found.', WAIT);
    } finally {
      await context.close();
    }
  });

  it('asks to log in again when the token is refused, then returns to the same sprint', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await createSprint('Return sprint');
    const context = await board.browser.newContext();
    try {
      await context.addInitScript(() => localStorage.setItem('board.token', '0'.repeat(40)));
      const page = await context.newPage();
      await page.goto(`${board.app.url}/board/#sprint/${sprint.id}`);
      await page.waitForSelector('.login form', WAIT);
      assert.equal(await page.evaluate(() => localStorage.getItem('board.token')), null);
      await page.fill('#login-username', 'demo');
      await page.fill('#login-password', 'test');
      await page.click('.login button[type="submit"]');
      await page.waitForSelector('.sprint-header h1', WAIT);
      assert.equal(await page.textContent('.sprint-header h1'), 'Return sprint');
      assert.ok(page.url().endsWith(`#sprint/${sprint.id}`));
    } finally {
      await context.close();
    }
  });

  it('lists current sprints on the home screen and logs out, revoking the token', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await createSprint('Listed sprint');
    const { context, page, errors } = await openBoard();
    try {
      const link = page.locator(`a.sprint[href="#sprint/${sprint.id}"]`);
      await link.waitFor(WAIT);
      assert.match((await link.textContent()) ?? '', /Listed sprint\s+DUE BY/);
      const revoked = await page.evaluate(() => localStorage.getItem('board.token'));

      await page.click('#header .logout');
      await page.waitForSelector('.login form', WAIT);
      assert.equal(await page.evaluate(() => localStorage.getItem('board.token')), null);
      const refused = await fetch(`${board.app.url}/api/sprints/`, { headers: { Authorization: `Token ${revoked}` } });
      assert.equal(refused.status, 401);
      board.forgetToken();
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
