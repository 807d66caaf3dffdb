// Every state of the board passes axe-core (WCAG 2.1 A and AA, plus best
// practice) at phone width (390×844) and on a desktop, in Debian's Chromium.
// A state is a name and how to get a fresh page there: add one to STATES and
// it is checked at both sizes. A failure lists each violation with its rule,
// impact and the selectors of the elements at fault; anything the
// Content-Security-Policy refused on the way fails the state too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { BoardBrowser, card, column, localDate, WAIT } from './board-browser.ts';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };

const b = new BoardBrowser();
before(() => b.start());
after(() => b.close());

/** What a state is given: a logged-in page at the size being checked (or a logged-out one, for login). */
interface Visit {
  page: Page;
  context: BrowserContext;
  /** Open the board at `hash` in this context. */
  goto(hash: string): Promise<void>;
}

export interface BoardState {
  name: string;
  /** Logged out instead of logged in. */
  loggedOut?: boolean;
  /** Bring the page to the state; resolve once it shows. */
  reach(visit: Visit): Promise<void>;
}

/** A sprint with `count` tasks spread over the columns, made once per name. */
const sprints = new Map<string, Promise<{ id: number; tasks: number[] }>>();
function sprintWith(name: string, count: number): Promise<{ id: number; tasks: number[] }> {
  if (!sprints.has(name)) {
    sprints.set(
      name,
      (async () => {
        const sprint = await b.createSprint(name);
        const tasks: number[] = [];
        for (let i = 0; i < count; i++) {
          const backlog = i % 5 === 0;
          const task = await b.api('POST', '/api/tasks/', { name: `Task ${i + 1} of ${name}`, sprint: backlog ? null : sprint.id, status: backlog ? 1 : 1 + (i % 4), order: i * 1024 });
          tasks.push(task.id);
        }
        return { id: sprint.id, tasks };
      })(),
    );
  }
  return sprints.get(name)!;
}

/** A second person, made once for every state that shows her. */
let ada: Promise<void> | undefined;

const cutOff = (page: Page) => page.route(`${b.app.url}/api/**`, (route) => route.abort('internetdisconnected'));

/** A sprint's board with the API cut off and a move waiting for it. */
async function moveOffline({ page, goto }: Visit, name: string): Promise<void> {
  const sprint = await sprintWith(name, 4);
  await goto(`#sprint/${sprint.id}`);
  await page.waitForSelector(card(`Task 2 of ${name}`), WAIT);
  await cutOff(page);
  await page.focus(`${card(`Task 2 of ${name}`)} .task-open`);
  await page.keyboard.press('Shift+ArrowRight');
  await page.waitForSelector('.outbox-state:not([hidden])', WAIT);
  await page.waitForSelector(`${card(`Task 2 of ${name}`)}.pending`, WAIT);
}

/** The details of the one task of a sprint. */
async function openDetails({ page, goto }: Visit, name: string): Promise<void> {
  const sprint = await sprintWith(name, 1);
  await goto(`#sprint/${sprint.id}`);
  await page.click(`${card(`Task 1 of ${name}`)} .task-open`);
  await page.waitForSelector('dialog.task-detail[open]', WAIT);
}

/** The details of a task with a Markdown description and a comment, the renderer's chunk never arriving (`held`) or failing. */
async function detailsWithoutRenderer(visit: Visit, how: 'held' | 'offline'): Promise<void> {
  const name = `Plain ${how} sprint`;
  const sprint = await sprintWith(name, 1);
  if (!sprints.has(`${name}, described`)) {
    sprints.set(`${name}, described`, (async () => {
      await b.api('PATCH', `/api/tasks/${sprint.tasks[0]}/`, { description: '# Goal\n\nShip **it**,\nthen tell everyone.' });
      await b.api('POST', `/api/tasks/${sprint.tasks[0]}/comments/`, { body: 'A *comment*\non two lines' });
      return sprint;
    })());
  }
  await sprints.get(`${name}, described`);
  await visit.page.route('**/board/assets/markdown-*.js', (route) => (how === 'offline' ? route.abort('internetdisconnected') : undefined));
  await openDetails(visit, name);
  await visit.page.waitForSelector(`dialog .comment .markdown-pending${how === 'offline' ? ' .markdown-unavailable' : ''}`, WAIT);
  await visit.page.waitForSelector(`dialog .description-view .markdown-pending${how === 'offline' ? ' .markdown-unavailable' : ''}`, WAIT);
}

/** The states the issue lists; the empty sprint list must come before any sprint exists. */
export const STATES: BoardState[] = [
  { name: 'login', loggedOut: true, reach: async ({ page, goto }) => void (await goto(''), await page.waitForSelector('form #login-username', WAIT)) },
  { name: 'sprint list, empty', reach: async ({ page, goto }) => void (await goto(''), await page.waitForSelector('.sprints .empty', WAIT)) },
  {
    name: 'sprint list with sprints',
    reach: async ({ page, goto }) => {
      await sprintWith('Listed sprint', 0);
      await goto('');
      await page.waitForSelector('.sprint-list .sprint', WAIT);
    },
  },
  {
    name: 'sprint list with velocity',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Velocity listed sprint', 2);
      for (const id of sprint.tasks) await b.api('PATCH', `/api/tasks/${id}/`, { points: 3 });
      await goto('');
      await page.waitForSelector('.velocity:not([hidden]) table', WAIT);
    },
  },
  {
    name: 'sprint list with the form open',
    reach: async ({ page, goto }) => {
      await goto('');
      await page.waitForSelector('.sprints :is(.sprint-list, .empty)', WAIT);
      await page.click('.add-sprint');
      await page.waitForSelector('.new-sprint:not([hidden])', WAIT);
    },
  },
  {
    name: 'board, empty',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Empty sprint', 0);
      await goto(`#sprint/${sprint.id}`);
      await page.waitForSelector('.columns .column.is-empty', WAIT);
      await page.waitForSelector('.column-state:empty', { state: 'attached', ...WAIT });
    },
  },
  {
    name: 'board with a dozen tasks',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Busy sprint', 12);
      await goto(`#sprint/${sprint.id}`);
      await page.waitForSelector(card('Task 12 of Busy sprint'), WAIT);
    },
  },
  {
    name: 'board with points and a column over its WIP limit',
    reach: async ({ page, goto }) => {
      // Two tasks Not Started, over its limit of 1.
      const sprint = await sprintWith('Pointed sprint', 12);
      await b.api('PATCH', `/api/sprints/${sprint.id}/`, { wip_limits: { 1: 1, 2: 3 } });
      for (const [i, id] of sprint.tasks.entries()) await b.api('PATCH', `/api/tasks/${id}/`, { points: [1, 2, 3, 5, 8, 13][i % 6] });
      await goto(`#sprint/${sprint.id}`);
      await page.waitForSelector(`${column('not-started')}.over-limit`, WAIT);
    },
  },
  {
    name: 'board after moves, the toast shown',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Moved sprint', 6);
      await goto(`#sprint/${sprint.id}`);
      await page.waitForSelector(card('Task 5 of Moved sprint'), WAIT);
      await page.focus(`${card('Task 5 of Moved sprint')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector(`${column('in-development')} ${card('Task 5 of Moved sprint')}:not(.saving)`, WAIT);
      await page.keyboard.press('Shift+ArrowLeft');
      await page.waitForSelector(`${column('not-started')} ${card('Task 5 of Moved sprint')}:not(.saving)`, WAIT);
      await page.waitForSelector('.undo-toast:not([hidden]) .undo', WAIT);
    },
  },
  {
    name: 'task details with a long history',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('History sprint', 1);
      const id = sprint.tasks[0]!;
      const current = await b.api('GET', `/api/tasks/${id}/`);
      if (current.description === '') for (let i = 1; i <= 25; i++) await b.api('PATCH', `/api/tasks/${id}/`, { description: `Step ${i}`, status: 1 + (i % 4), sprint: sprint.id });
      await goto(`#sprint/${sprint.id}`);
      await page.click(`${card('Task 1 of History sprint')} .task-open`);
      await page.waitForSelector('dialog.task-detail[open] .history-entry:nth-child(20)', WAIT);
    },
  },
  {
    name: 'the conflict dialog',
    reach: async ({ page, goto }) => {
      const sprint = await b.createSprint('Conflict sprint');
      const task = await b.api('POST', '/api/tasks/', { name: 'Disputed', sprint: sprint.id });
      await goto(`#sprint/${sprint.id}`);
      await page.waitForSelector(card('Disputed'), WAIT);
      await cutOff(page);
      await page.focus(`${card('Disputed')} .task-open`);
      await page.keyboard.press('Shift+ArrowRight');
      await page.waitForSelector('.outbox-state:not([hidden])', WAIT);
      await b.api('PATCH', `/api/tasks/${task.id}/`, { status: 3 });
      await page.unroute(`${b.app.url}/api/**`);
      await page.waitForSelector('dialog.conflict[open]', WAIT);
    },
  },
  {
    name: 'a card locked by someone else',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Locked sprint', 3);
      await goto(`#sprint/${sprint.id}`);
      await page.waitForSelector('.live-state[data-state="live"]', WAIT);
      const channel = (await b.api('GET', `/api/sprints/${sprint.id}/`)).links.channel as string;
      const other = await page.context().newPage();
      await other.goto(`${b.app.url}/board/`);
      await other.evaluate(
        ([url, id]) =>
          new Promise<void>((resolve, reject) => {
            const socket = new WebSocket(url as string);
            socket.onopen = () => (socket.send(JSON.stringify({ model: 'task', id, action: 'dragstart' })), resolve());
            socket.onerror = () => reject(new Error('no channel'));
            Object.assign(window, { socket });
          }),
        [channel, sprint.tasks[1]!] as const,
      );
      await page.waitForSelector(`${card('Task 2 of Locked sprint')}.locked`, WAIT);
    },
  },
  {
    name: 'task details after moves, a right-to-left name',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Travelled sprint', 3);
      await goto(`#sprint/${sprint.id}`);
      await page.waitForSelector(card('Task 3 of Travelled sprint'), WAIT);
      const name = 'שלום עולם';
      if (!(await page.$(card(name)))) await b.api('PATCH', `/api/tasks/${sprint.tasks[1]}/`, { name });
      await page.waitForSelector(card(name), WAIT);
      await page.focus(`${card(name)} .task-open`);
      for (const key of ['Shift+ArrowRight', 'Shift+ArrowDown', 'Shift+ArrowLeft']) {
        const said = await page.textContent('.announce');
        await page.keyboard.press(key);
        await page.waitForFunction((previous) => document.querySelector('.announce')?.textContent !== previous && !document.querySelector('.task.saving'), said, WAIT);
      }
      await page.keyboard.press('Enter');
      await page.waitForSelector('dialog.task-detail[open] .history-entry:nth-child(4)', WAIT);
    },
  },
  {
    name: 'login with a wrong password',
    loggedOut: true,
    reach: async ({ page, goto }) => {
      await goto('');
      await page.fill('#login-username', 'demo');
      await page.fill('#login-password', 'wrong');
      await page.click('form button[type="submit"]');
      await page.waitForSelector('.form-errors:not(:empty)', WAIT);
    },
  },
  {
    name: 'the sprint form with errors',
    reach: async ({ page, goto }) => {
      await goto('');
      await page.waitForSelector('.sprints :is(.sprint-list, .empty)', WAIT);
      await page.click('.add-sprint');
      await page.click('.new-sprint button[type="submit"]');
      await page.waitForSelector('[data-error-for="end"] span', WAIT);
    },
  },
  {
    name: "the add form's too-long message",
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Wordy sprint', 0);
      await goto(`#sprint/${sprint.id}`);
      await page.click('.add-task');
      await page.fill('#task-name', 'x'.repeat(300));
      await page.click('.add-task-form button[type="submit"]');
      await page.waitForSelector('[data-error-for="name"] span', WAIT);
    },
  },
  {
    name: 'the burndown drawn',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Burning sprint', 8);
      await goto(`#sprint/${sprint.id}`);
      await page.waitForSelector('.burndown-chart', WAIT);
    },
  },
  {
    name: 'cards with avatars, overdue and due today',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Due sprint', 0);
      ada ??= b.createUser('ada', 'Ada Lovelace');
      await ada;
      if ((await b.api('GET', `/api/tasks/?sprint=${sprint.id}`)).count === 0) {
        const day = (days: number) => localDate(new Date(Date.now() + days * 86_400_000));
        await b.api('POST', '/api/tasks/', { name: 'Overdue task', sprint: sprint.id, due: day(-2), assigned: 'ada' });
        await b.api('POST', '/api/tasks/', { name: 'Due today task', sprint: sprint.id, status: 2, started: day(0), due: day(0), assigned: 'demo' });
      }
      await goto(`#sprint/${sprint.id}`);
      await page.waitForSelector(`${card('Overdue task')}.overdue .avatar[aria-label="Ada Lovelace"]`, WAIT);
      await page.waitForSelector(`${card('Due today task')}.due-today`, WAIT);
    },
  },
  {
    name: 'the filter bar hiding cards',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Filtered sprint', 12);
      await goto(`#sprint/${sprint.id}?q=Task%201&assignee=nobody`);
      await page.waitForSelector(`${card('Task 10 of Filtered sprint')}`, WAIT);
      await page.waitForSelector('.filter-summary:not(:empty)', WAIT);
      await page.waitForSelector('.column.all-hidden', WAIT);
    },
  },
  {
    name: 'the person picker open',
    reach: async (visit) => {
      await openDetails(visit, 'Picker sprint');
      await visit.page.focus('#task-assigned');
      await visit.page.keyboard.press('ArrowDown');
      await visit.page.waitForSelector('#task-assigned-list:not([hidden]) [role="option"].active', WAIT);
    },
  },
  {
    name: 'the person picker matching no one',
    reach: async (visit) => {
      await openDetails(visit, 'Picker sprint');
      await visit.page.fill('#task-assigned', 'bob');
      await visit.page.waitForSelector('#task-assigned-note:not(:empty)', WAIT);
    },
  },
  {
    name: 'the shortcuts help',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Busy sprint', 12);
      await goto(`#sprint/${sprint.id}`);
      await page.waitForSelector(card('Task 12 of Busy sprint'), WAIT);
      await page.keyboard.press('?');
      await page.waitForSelector('dialog.shortcuts-help[open]', WAIT);
    },
  },
  {
    name: 'the sprint edit dialog with an error',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Edited sprint', 0);
      await goto(`#sprint/${sprint.id}`);
      await page.click('.edit-sprint');
      await page.fill('#sprint-edit-end', '2001-01-01');
      await page.click('dialog.sprint-edit button[type="submit"]');
      await page.waitForSelector('dialog.sprint-edit [data-error-for="end"] span', WAIT);
    },
  },
  {
    name: 'the sprint delete confirmation',
    reach: async ({ page, goto }) => {
      const sprint = await sprintWith('Doomed sprint', 3);
      await goto(`#sprint/${sprint.id}`);
      await page.waitForSelector(card('Task 3 of Doomed sprint'), WAIT);
      await page.click('.delete-sprint');
      await page.waitForSelector('dialog.sprint-delete[open]', WAIT);
    },
  },
  {
    name: 'earlier sprints',
    reach: async ({ page, goto }) => {
      await sprintWith('Listed sprint', 0);
      await page.clock.setFixedTime(new Date(Date.now() + 60 * 86_400_000));
      await goto('');
      await page.waitForSelector('.earlier-sprints:not([hidden]) .sprint', WAIT);
    },
  },
  { name: 'offline with writes waiting', reach: (visit) => moveOffline(visit, 'Offline sprint') },
  {
    name: 'offline after a reload',
    reach: async (visit) => {
      await moveOffline(visit, 'Reloaded sprint');
      await visit.page.reload();
      await visit.page.waitForSelector('.outbox-state:not([hidden])', WAIT);
      await visit.page.waitForSelector('#content .failure', WAIT);
    },
  },
  // Labels (issue 26): the Labels dialog, the picker in the details, chips on cards and the label filter.
  {
    name: 'the labels dialog with an error and a label being edited',
    reach: async ({ page, goto }) => {
      const { sprint } = await labelled();
      await goto(`#sprint/${sprint}`);
      await page.click('.manage-labels');
      await page.waitForSelector('dialog.labels-dialog[open] .label-row', WAIT);
      await page.fill('#label-new-name', 'Bug');
      await page.click('dialog.labels-dialog .label-new button[type="submit"]');
      await page.waitForSelector('dialog.labels-dialog [data-error-for="name"] span', WAIT);
      await page.click('dialog.labels-dialog .edit-label');
      await page.waitForSelector('dialog.labels-dialog .label-edit', WAIT);
    },
  },
  {
    name: 'the label delete confirmation',
    reach: async ({ page, goto }) => {
      const { sprint } = await labelled();
      await goto(`#sprint/${sprint}`);
      await page.click('.manage-labels');
      await page.click('dialog.labels-dialog .delete-label');
      await page.waitForSelector('dialog.labels-dialog .label-delete', WAIT);
    },
  },
  {
    name: 'the label picker open in the details, labels chosen',
    reach: async ({ page, goto }) => {
      const { sprint } = await labelled();
      await goto(`#sprint/${sprint}`);
      await page.waitForSelector(`${card('Labelled task 1')} .label-chip`, WAIT);
      await page.focus(`${card('Labelled task 1')} .task-open`);
      await page.keyboard.press('l');
      await page.waitForSelector('#task-labels-list:not([hidden]) [role="option"].active', WAIT);
      await page.waitForSelector('dialog.task-detail .label-chosen .label-chip', WAIT);
    },
  },
  {
    name: 'the label picker matching no label, offering a new one',
    reach: async ({ page, goto }) => {
      const { sprint } = await labelled();
      await goto(`#sprint/${sprint}`);
      await page.click(`${card('Labelled task 2')} .task-open`);
      await page.fill('#task-labels', 'zzz');
      await page.waitForSelector('#task-labels-option-new.active', WAIT);
      await page.waitForSelector('#task-labels-note:not(:empty)', WAIT);
    },
  },
  {
    name: 'cards with label chips, the label filter active',
    reach: async ({ page, goto }) => {
      const { sprint, labels } = await labelled();
      await goto(`#sprint/${sprint}?label=${labels[0]}`);
      await page.waitForSelector(`${card('Labelled task 1')} .label-chip`, WAIT);
      await page.waitForSelector('.filter-summary:not(:empty)', WAIT);
    },
  },
  // The task details of issue 26: comments, the description in Markdown, points.
  {
    name: 'task details with comments and the composer previewing',
    reach: async (visit) => {
      const sprint = await sprintWith('Commented sprint', 1);
      if (!sprints.has('Commented sprint, comments')) {
        sprints.set('Commented sprint, comments', (async () => {
          await (ada ??= b.createUser('ada', 'Ada Lovelace'));
          const response = await fetch(`${b.app.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'ada', password: 'a-long-password' }) });
          const { token } = (await response.json()) as { token: string };
          await fetch(`${b.app.url}/api/tasks/${sprint.tasks[0]}/comments/`, {
            method: 'POST',
            headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ body: 'A question from **Ada**: see [the notes](https://example.com/notes).' }),
          });
          const mine = await b.api('POST', `/api/tasks/${sprint.tasks[0]}/comments/`, { body: '- one\n- two\n\n`code` and _emphasis_' });
          await b.api('PATCH', `/api/tasks/${sprint.tasks[0]}/comments/${mine.id}/`, { body: '- one\n- two\n\n`code` and _emphasis_, edited' });
          return sprint;
        })());
      }
      await sprints.get('Commented sprint, comments');
      await openDetails(visit, 'Commented sprint');
      await visit.page.waitForSelector('dialog .comment .comment-edited', WAIT);
      await visit.page.fill('#comment-new', 'A **reply** with a [link](https://example.com/)');
      await visit.page.click('dialog .comment-composer .md-mode[data-mode="preview"]');
      await visit.page.waitForSelector('#comment-new-preview strong', WAIT);
    },
  },
  {
    name: 'task details, a comment being edited and another asking to confirm its deletion',
    reach: async (visit) => {
      await openDetails(visit, 'Confirmed sprint');
      for (const body of ['First of mine', 'Second of mine']) {
        await visit.page.fill('#comment-new', body);
        await visit.page.click('dialog .comment-composer button[type="submit"]');
        await visit.page.waitForSelector(`dialog .comment-body:has-text("${body}")`, WAIT);
      }
      await visit.page.click('dialog .comment:has-text("First of mine") .comment-edit');
      await visit.page.click('dialog .comment:has-text("Second of mine") .comment-delete');
      await visit.page.waitForSelector('dialog .comment-confirm', WAIT);
    },
  },
  {
    name: 'task details, the description being edited with a preview',
    reach: async (visit) => {
      const sprint = await sprintWith('Described sprint', 1);
      await b.api('PATCH', `/api/tasks/${sprint.tasks[0]}/`, { description: '# Goal\n\nShip **it**, then [tell](https://example.com/) everyone.\n\n> quoted' });
      await openDetails(visit, 'Described sprint');
      await visit.page.waitForSelector('dialog .description-view h3', WAIT);
      await visit.page.click('dialog .edit-description');
      await visit.page.click('dialog .description-field .md-mode[data-mode="preview"]');
      await visit.page.waitForSelector('#task-detail-description-preview h3', WAIT);
    },
  },
  // The Markdown renderer is a chunk loaded apart: the details before it arrives, and when it cannot be fetched.
  { name: 'task details, the Markdown renderer still on its way', reach: (visit) => detailsWithoutRenderer(visit, 'held') },
  { name: 'task details, the Markdown renderer unavailable (offline)', reach: (visit) => detailsWithoutRenderer(visit, 'offline') },
  {
    name: 'task details, the points picker',
    reach: async (visit) => {
      const sprint = await sprintWith('Pointed sprint', 1);
      await b.api('PATCH', `/api/tasks/${sprint.tasks[0]}/`, { points: 8 });
      await openDetails(visit, 'Pointed sprint');
      await visit.page.focus('#task-points');
      await visit.page.selectOption('#task-points', '13');
    },
  },
];

/** A sprint whose tasks carry labels of every colour, made once. */
let labelling: Promise<{ sprint: number; labels: number[] }> | undefined;
function labelled(): Promise<{ sprint: number; labels: number[] }> {
  labelling ??= (async () => {
    const sprint = await b.createSprint('Labelled sprint');
    const colours = ['grey', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink'];
    const names = ['Bug', 'Feature', 'Chore', 'Docs', 'Design', 'Research', 'Frontend', 'Backend', 'Urgent'];
    const labels: number[] = [];
    for (const [i, colour] of colours.entries()) labels.push((await b.api('POST', '/api/labels/', { name: names[i], colour })).id);
    await b.api('POST', '/api/tasks/', { name: 'Labelled task 1', sprint: sprint.id, labels: labels.slice(0, 5) });
    await b.api('POST', '/api/tasks/', { name: 'Labelled task 2', sprint: sprint.id, labels: labels.slice(5) });
    await b.api('POST', '/api/tasks/', { name: 'Labelled task 3', sprint: sprint.id });
    return { sprint: sprint.id, labels };
  })();
  return labelling;
}

/** The violations as a person reads them: rule, impact, where. */
function report(violations: Array<{ id: string; impact?: string | null; help: string; nodes: Array<{ target: unknown[] }> }>): string {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((node) => `    at ${node.target.join(' ')}`).join('\n')}`).join('\n');
}

async function visit(state: BoardState, viewport: { width: number; height: number }): Promise<string> {
  const { context, page } = await b.newPage({ viewport, loggedOut: state.loggedOut });
  const refused: string[] = [];
  await context.exposeBinding('reportRefusal', (_source, what: string) => void refused.push(what));
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (event) => (window as any).reportRefusal(`${event.violatedDirective} ${event.blockedURI}`)),
  );
  try {
    await state.reach({ page, context, goto: async (hash) => void (await page.goto(`${b.app.url}/board/${hash}`)) });
    const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
    return report(results.violations) + refused.map((what) => `Content-Security-Policy refused ${what}\n`).join('');
  } finally {
    await context.close();
  }
}

describe('the board under axe-core', () => {
  for (const state of STATES) {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      it(`${state.name}, ${size}: no violations`, { timeout: 40_000 }, async () => {
        assert.equal(await visit(state, viewport), '', `axe-core found violations in "${state.name}" (${size})`);
      });
    }
  }
});
