// The board's Markdown renderer (markdown-it) is a chunk of its own, in
// Chromium against the real app: the board's first load does not fetch it
// (only its entry and the chunks that entry imports are scripts of the
// page), it is fetched once the browser is idle after a sprint board has
// loaded (the list of sprints has no details to open), and until it
// arrives (held back here by route interception) a task's description, its
// comments and an open preview show the text as typed, line breaks and all,
// replaced by the rendered Markdown the moment it comes. A chunk that cannot
// be fetched (offline) is said in words beside the text, which stays, and is
// fetched again when details next open.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page, Route } from 'playwright-core';
import { BoardBrowser, card, type Board, WAIT } from './board-browser.ts';

const TEST_TIMEOUT = 40_000;
const b = new BoardBrowser();
before(() => b.start());
after(() => b.close());

/** The renderer's chunk (esbuild names a chunk imported when wanted after its module, src/board/markdown.ts). */
const RENDERER = '**/board/assets/markdown-*.js';

const DESCRIPTION = '# Goal\n\nShip **it**\nthen <b>tell</b> everyone.';
const COMMENT = 'A *comment*\non two lines';

/** A board whose page reports what the Content-Security-Policy refused. */
async function watchedBoard(): Promise<Board & { refused: string[] }> {
  const board = await b.newPage();
  const refused: string[] = [];
  await board.context.exposeBinding('reportRefusal', (_source, what: string) => void refused.push(what));
  await board.context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (event) => (window as any).reportRefusal(`${event.violatedDirective} ${event.blockedURI}`)),
  );
  return { ...board, refused };
}

/** A sprint with one task that has a Markdown description and a comment; the board's hash for it. */
async function describedTask(name: string): Promise<string> {
  const sprint = await b.createSprint(`${name} sprint`);
  const task = await b.api('POST', '/api/tasks/', { name, sprint: sprint.id, description: DESCRIPTION });
  await b.api('POST', `/api/tasks/${task.id}/comments/`, { body: COMMENT });
  return `#sprint/${sprint.id}`;
}

async function openDetails(page: Page, name: string): Promise<void> {
  await page.click(`${card(name)} .task-open`, WAIT);
  await page.waitForSelector('dialog.task-detail[open]', WAIT);
}

/** The text shown where Markdown waits for its renderer, as the page lays it out (line breaks included). */
const plainText = (page: Page, scope: string) => page.innerText(`${scope} .markdown-pending .markdown-source`);

/** Polls (bounded) until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(check(), String(check));
}

/** Requests for the renderer's chunk, held until `release` (or aborted as offline while `offline` says so). */
async function holdRenderer(page: Page): Promise<{ requests: () => number; release: () => void; offline: boolean }> {
  const held: Route[] = [];
  let count = 0;
  let released = false;
  const control = {
    requests: () => count,
    offline: false,
    release() {
      released = true;
      for (const route of held.splice(0)) void route.continue();
    },
  };
  await page.route(RENDERER, (route) => {
    count++;
    if (control.offline) return route.abort('internetdisconnected');
    if (released) return route.continue();
    held.push(route);
  });
  return control;
}

describe('the Markdown renderer, loaded apart from the board', () => {
  it('is not a script of the first load, and is fetched once the browser is idle after a board has loaded', { timeout: TEST_TIMEOUT }, async () => {
    const hash = await describedTask('Idle');
    const { context, page, errors } = await b.newPage();
    try {
      // The list of sprints has no details to open: it does not fetch the renderer, even when idle.
      await page.goto(`${b.app.url}/board/`);
      await page.waitForSelector(`.sprints a[href="${hash}"]`, WAIT);
      for (let i = 0; i < 3; i++) await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve)));
      assert.deepEqual(await page.evaluate(() => performance.getEntriesByType('resource').filter((entry) => entry.name.includes('/markdown-')).length), 0);

      await page.goto(`${b.app.url}/board/${hash}`);
      await page.waitForSelector(card('Idle'), WAIT);
      // Fetched without details opening, after the page's load event.
      await page.waitForFunction(() => performance.getEntriesByType('resource').some((entry) => /\/markdown-[A-Z0-9]+\.js$/.test(entry.name)), null, WAIT);
      const timing = await page.evaluate(() => {
        const loaded = (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd;
        const scripts = performance.getEntriesByType('resource').filter((entry) => entry.name.endsWith('.js'));
        return { loaded, scripts: scripts.map((entry) => ({ file: entry.name.split('/').pop()!, start: entry.startTime })) };
      });
      const before = timing.scripts.filter((script) => script.start < timing.loaded).map((script) => script.file);
      const renderer = timing.scripts.filter((script) => script.file.startsWith('markdown-'));
      assert.equal(renderer.length, 1, JSON.stringify(timing));
      assert.ok(renderer[0]!.start >= timing.loaded, `the renderer was requested at ${renderer[0]!.start} ms, the page loaded at ${timing.loaded} ms`);
      // The first load's scripts: the entry and what it imports before running (esbuild's shared helpers), preloaded.
      const html = await (await fetch(`${b.app.url}/board/`)).text();
      const pageScripts = [...html.matchAll(/<(?:script type="module" src|link rel="modulepreload" href)="assets\/([^"]+)"/g)].map((match) => match[1]!);
      assert.deepEqual(before.sort(), pageScripts.sort());
      assert.ok(pageScripts.length <= 2, pageScripts.join(' '));
      // Opening details now needs nothing more: rendered at once.
      await openDetails(page, 'Idle');
      assert.equal(await page.textContent('dialog .description-view h3'), 'Goal');
      assert.equal(await page.$('dialog .markdown-pending'), null);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('shows the text as typed until the renderer arrives, then the rendered Markdown everywhere, an open preview too', { timeout: TEST_TIMEOUT }, async () => {
    const hash = await describedTask('Delayed');
    const { context, page, errors, refused } = await watchedBoard();
    try {
      const renderer = await holdRenderer(page);
      await page.goto(`${b.app.url}/board/${hash}`);
      await openDetails(page, 'Delayed');
      await page.waitForSelector('dialog .comment .markdown-pending', WAIT);
      assert.ok(renderer.requests() >= 1, 'asked for');
      // The text, escaped (typed HTML is text) and with its line breaks.
      assert.equal(await plainText(page, 'dialog .description-view'), DESCRIPTION);
      assert.equal(await plainText(page, 'dialog .comment-body'), COMMENT);
      assert.equal(await page.$('dialog .description-view b, dialog .description-view h3'), null);
      assert.equal(await page.$('dialog .markdown-unavailable'), null, 'waiting is not failing');
      // A preview opened meanwhile waits too.
      await page.fill('#comment-new', 'A **reply**');
      await page.click('dialog .comment-composer .md-mode[data-mode="preview"]');
      assert.equal(await plainText(page, '#comment-new-preview'), 'A **reply**');

      renderer.release();
      await page.waitForSelector('dialog .description-view h3', WAIT);
      assert.equal(await page.textContent('dialog .description-view h3'), 'Goal', 'under the dialog\'s heading');
      assert.equal(await page.textContent('dialog .description-view strong'), 'it');
      assert.match((await page.textContent('dialog .description-view')) ?? '', /then <b>tell<\/b> everyone/, 'raw HTML still text');
      assert.equal(await page.textContent('dialog .comment-body em'), 'comment');
      assert.equal(await page.textContent('#comment-new-preview strong'), 'reply');
      assert.equal(await page.$('.markdown-pending'), null, 'no placeholder left');
      assert.deepEqual(refused, [], 'the Content-Security-Policy refused nothing');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('says so when the renderer cannot be fetched, keeps the text, and fetches it again when details next open', { timeout: TEST_TIMEOUT }, async () => {
    const hash = await describedTask('Offline');
    const { context, page, errors } = await b.newPage();
    try {
      const renderer = await holdRenderer(page);
      renderer.offline = true;
      await page.goto(`${b.app.url}/board/${hash}`);
      await page.waitForSelector(card('Offline'), WAIT);
      // The idle fetch fails quietly, to be tried again when details open.
      await until(() => renderer.requests() === 1);
      await openDetails(page, 'Offline');
      await page.waitForSelector('dialog .comment .markdown-unavailable', WAIT);
      await page.waitForSelector('dialog .description-view .markdown-unavailable', WAIT);
      assert.match(await page.innerText('dialog .description-view .markdown-unavailable'), /formatting could not be loaded \(offline\?\)/i);
      assert.equal(await plainText(page, 'dialog .description-view'), DESCRIPTION);
      assert.equal(await plainText(page, 'dialog .comment-body'), COMMENT);
      // Rendered afterwards while it stays unavailable (a preview): the text, and the same words.
      await page.fill('#comment-new', 'Still **here**');
      await page.click('dialog .comment-composer .md-mode[data-mode="preview"]');
      assert.equal(await plainText(page, '#comment-new-preview'), 'Still **here**');
      await page.waitForSelector('#comment-new-preview .markdown-unavailable', WAIT);
      const failures = renderer.requests();
      assert.ok(failures >= 1);

      // Back online: the next details fetch it again and render.
      renderer.offline = false;
      renderer.release();
      await page.keyboard.press('Escape');
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });
      await openDetails(page, 'Offline');
      await page.waitForSelector('dialog .description-view h3', WAIT);
      assert.equal(await page.textContent('dialog .comment-body em'), 'comment');
      assert.equal(await page.$('.markdown-unavailable, .markdown-pending'), null);
      assert.equal(renderer.requests(), failures + 1, 'fetched again, once');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
