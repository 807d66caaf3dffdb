// The task details of issue 26 in Chromium against the real app: comments
// (written with a preview, edited and deleted by their author only, arriving
// live in a second window and announced), the description rendered as
// Markdown with an edit mode and a preview, hostile Markdown rendering inert
// (no script runs, no javascript: link, raw HTML shown as text, nothing the
// Content-Security-Policy refuses), and story points chosen in the details.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { headingsUnder } from '../src/board/client/markdown.ts';
import { renderMarkdown } from '../src/board/markdown.ts';
import { BoardBrowser, card, column, type Board, WAIT } from './board-browser.ts';

const TEST_TIMEOUT = 40_000;
const b = new BoardBrowser();
let adaToken = '';
before(async () => {
  await b.start();
  await b.createUser('ada', 'Ada Lovelace');
  const response = await fetch(`${b.app.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'ada', password: 'a-long-password' }) });
  adaToken = ((await response.json()) as { token: string }).token;
});
after(() => b.close());

/** The API as Ada, another person of the board. */
async function asAda<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${b.app.url}${path}`, {
    method,
    headers: { Authorization: `Token ${adaToken}`, Accept: 'application/json', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status}`);
  return (response.status === 204 ? null : await response.json()) as T;
}

/** A board whose page reports what the Content-Security-Policy refused, and whether any script it should not run ran. */
async function watchedBoard(hash: string): Promise<Board & { refused: string[] }> {
  const board = await b.newPage();
  const refused: string[] = [];
  await board.context.exposeBinding('reportRefusal', (_source, what: string) => void refused.push(what));
  await board.context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (event) => (window as any).reportRefusal(`${event.violatedDirective} ${event.blockedURI}`)),
  );
  await board.page.goto(`${b.app.url}/board/${hash}`);
  return { ...board, refused };
}

async function openDetails(page: Page, name: string): Promise<void> {
  await page.click(`${card(name)} .task-open`, WAIT);
  await page.waitForSelector('dialog.task-detail[open]', WAIT);
}

const comment = (text: string) => `dialog .comment:has(.comment-body:has-text("${text}"))`;

const close = (...contexts: BrowserContext[]) => Promise.all(contexts.map((context) => context.close()));

describe('comments in the task details', () => {
  it('writes a comment with a preview, keeps the text when the server cannot be reached and as a draft, then edits and deletes it', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Comment sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Discussed', sprint: sprint.id });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await openDetails(page, 'Discussed');
      await page.waitForSelector('dialog .comment-count:text-is("(0)")', WAIT);
      await page.fill('#comment-new', 'Looks **good**; see [the spec](https://example.com/spec).');
      await page.click('dialog .comment-composer .md-mode[data-mode="preview"]');
      assert.equal(await page.textContent('#comment-new-preview strong'), 'good');
      assert.equal(await page.getAttribute('#comment-new-preview a', 'rel'), 'noopener noreferrer');
      assert.equal(await page.isVisible('#comment-new'), false, 'the preview takes the text field\'s place');
      await page.click('dialog .comment-composer .md-mode[data-mode="write"]');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'comment-new');

      // The server cannot be reached: said in words, and the text stays.
      await page.route('**/comments/', (route) => (route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue()));
      await page.click('dialog .comment-composer button[type="submit"]');
      await page.waitForSelector('dialog .comment-composer .form-errors:has-text("Cannot reach the server")', WAIT);
      assert.equal(await page.inputValue('#comment-new'), 'Looks **good**; see [the spec](https://example.com/spec).');
      await page.unroute('**/comments/');
      // Closing the details keeps the unsent comment as a draft.
      await page.keyboard.press('Escape');
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });
      await openDetails(page, 'Discussed');
      assert.equal(await page.inputValue('#comment-new'), 'Looks **good**; see [the spec](https://example.com/spec).');
      await page.click('dialog .comment-composer button[type="submit"]');
      await page.waitForSelector(comment('Looks good'), WAIT);
      assert.equal(await page.inputValue('#comment-new'), '', 'posted: the composer is empty again');
      // A blank comment is refused without a round trip.
      await page.click('dialog .comment-composer button[type="submit"]');
      await page.waitForSelector('dialog .comment-composer [data-error-for="body"]:has-text("Write something first.")', WAIT);

      const item = comment('Looks good');
      assert.equal(await page.textContent(`${item} .comment-author`), 'Demo User');
      assert.equal(await page.textContent(`${item} .comment-body strong`), 'good');
      assert.equal(await page.textContent(`${item} .comment-when`), 'just now');
      assert.equal(await page.$(`${item} .comment-edited`), null);
      await page.waitForSelector('dialog .comment-count:text-is("(1)")', WAIT);
      await page.waitForSelector('dialog .history-entry:has-text("demo commented")', WAIT);
      const [saved] = (await b.api('GET', `/api/tasks/${task.id}/comments/`)).results;
      assert.deepEqual([saved.author, saved.body], ['demo', 'Looks **good**; see [the spec](https://example.com/spec).']);

      // Edit: the Markdown source to change, with a preview; saved, marked "edited".
      await page.click(`${item} .comment-edit`);
      const editor = `#comment-${saved.id}-body`;
      assert.equal(await page.inputValue(editor), saved.body);
      await page.fill(editor, 'Looks _better_ now');
      await page.click(`dialog .comment-edit-form .md-mode[data-mode="preview"]`);
      assert.equal(await page.textContent(`#comment-${saved.id}-body-preview em`), 'better');
      await page.click('dialog .comment-edit-form button[type="submit"]');
      await page.waitForSelector(`${comment('Looks better now')} .comment-edited`, WAIT);
      assert.equal(await page.textContent(`${comment('Looks better now')} .comment-body em`), 'better');
      assert.equal((await b.api('GET', `/api/tasks/${task.id}/comments/${saved.id}/`)).body, 'Looks _better_ now');

      // Delete: asked first; "Keep it" keeps it.
      await page.click(`${comment('Looks better now')} .comment-delete`);
      await page.waitForSelector('dialog .comment-confirm:has-text("Delete this comment?")', WAIT);
      await page.click('dialog .comment-keep');
      assert.ok(await page.isVisible(comment('Looks better now')));
      await page.click(`${comment('Looks better now')} .comment-delete`);
      await page.click('dialog .comment-confirm-delete');
      await page.waitForSelector(comment('Looks better now'), { state: 'detached', ...WAIT });
      await page.waitForSelector('dialog .comment-count:text-is("(0)")', WAIT);
      assert.equal((await b.api('GET', `/api/tasks/${task.id}/comments/`)).count, 0);
      assert.ok(await page.isVisible('dialog.task-detail[open]'), 'the details stay open');
      assert.deepEqual(errors.filter((error) => !error.includes('ERR_INTERNET_DISCONNECTED')), []);
    } finally {
      await context.close();
    }
  });

  it('shows comments from another window live, announced without taking the focus', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Live comment sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Talked about', sprint: sprint.id });
    const first = await b.openBoard(`#sprint/${sprint.id}`);
    const second = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      for (const { page } of [first, second]) {
        await page.waitForSelector('.live-state[data-state="live"]', WAIT);
        await openDetails(page, 'Talked about');
        await page.waitForSelector('dialog .comment-count:text-is("(0)")', WAIT);
      }
      // The second window is halfway through its own comment.
      await second.page.focus('#comment-new');
      await second.page.keyboard.type('Half a thought');

      await first.page.fill('#comment-new', 'Written in the *first* window');
      await first.page.keyboard.press('Control+Enter');
      await second.page.waitForSelector(`${comment('Written in the first window')} em`, WAIT);
      assert.equal(await second.page.evaluate(() => document.activeElement?.id), 'comment-new', 'the focus stayed');
      assert.equal(await second.page.inputValue('#comment-new'), 'Half a thought', 'and the text');

      // Someone else's comment is announced politely, and edits and deletions show too.
      const ada = await asAda('POST', `/api/tasks/${task.id}/comments/`, { body: 'From **Ada**' });
      await second.page.waitForSelector(`${comment('From Ada')} .comment-author:text-is("Ada Lovelace")`, WAIT);
      assert.equal(await second.page.getAttribute('dialog .comments-announce', 'aria-live'), 'polite');
      await second.page.waitForSelector('dialog .comments-announce:text-is("New comment from Ada Lovelace: From **Ada**")', { state: 'attached', ...WAIT });
      assert.equal(await second.page.evaluate(() => document.activeElement?.id), 'comment-new');
      await asAda('PATCH', `/api/tasks/${task.id}/comments/${ada.id}/`, { body: 'From Ada, edited' });
      await first.page.waitForSelector(`${comment('From Ada, edited')} .comment-edited`, WAIT);
      await asAda('DELETE', `/api/tasks/${task.id}/comments/${ada.id}/`);
      await first.page.waitForSelector(comment('From Ada, edited'), { state: 'detached', ...WAIT });
      await second.page.waitForSelector('dialog .comment-count:text-is("(1)")', WAIT);
      // Deleted on another board while being edited here: the typed text stays, to copy.
      const [mine] = (await b.api('GET', `/api/tasks/${task.id}/comments/`)).results;
      await first.page.click(`${comment('Written in the first window')} .comment-edit`);
      await first.page.fill(`#comment-${mine.id}-body`, 'A better wording');
      await b.api('DELETE', `/api/tasks/${task.id}/comments/${mine.id}/`);
      await second.page.waitForSelector(comment('Written in the first window'), { state: 'detached', ...WAIT });
      await first.page.waitForSelector('dialog .comment-edit-form .form-errors:has-text("This comment was deleted meanwhile.")', WAIT);
      assert.equal(await first.page.inputValue(`#comment-${mine.id}-body`), 'A better wording');
      assert.ok(await first.page.isDisabled('dialog .comment-edit-form button[type="submit"]'));
      await first.page.click('dialog .comment-cancel-edit');
      await first.page.waitForSelector('dialog .comment-count:text-is("(0)")', WAIT);
      // Comments on another task do not show here.
      const other = await b.api('POST', '/api/tasks/', { name: 'Elsewhere', sprint: sprint.id });
      await asAda('POST', `/api/tasks/${other.id}/comments/`, { body: 'Not about this one' });
      await second.page.waitForSelector(card('Elsewhere'), WAIT);
      assert.equal(await second.page.$(comment('Not about this one')), null);
      assert.deepEqual([...first.errors, ...second.errors], []);
    } finally {
      await close(first.context, second.context);
    }
  });

  it("offers Edit and Delete on one's own comments only", { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Owned comment sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Owned', sprint: sprint.id });
    await asAda('POST', `/api/tasks/${task.id}/comments/`, { body: 'Ada says hello' });
    await b.api('POST', `/api/tasks/${task.id}/comments/`, { body: 'Demo answers' });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await openDetails(page, 'Owned');
      await page.waitForSelector(comment('Demo answers'), WAIT);
      assert.deepEqual(await page.$$eval('dialog .comment-body', (bodies) => bodies.map((body) => body.textContent?.trim())), ['Ada says hello', 'Demo answers'], 'oldest first');
      assert.equal(await page.textContent(`${comment('Ada says hello')} .comment-author`), 'Ada Lovelace');
      assert.equal(await page.textContent(`${comment('Ada says hello')} .avatar`), 'AL');
      assert.equal(await page.$(`${comment('Ada says hello')} .comment-edit`), null);
      assert.equal(await page.$(`${comment('Ada says hello')} .comment-delete`), null);
      assert.ok(await page.isVisible(`${comment('Demo answers')} .comment-edit`));
      assert.ok(await page.isVisible(`${comment('Demo answers')} .comment-delete`));
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});

const HOSTILE = [
  '<script>window.pwned = "script"</script>',
  '<img src=x onerror="window.pwned = \'img\'">',
  '[click me](javascript:window.pwned=\'link\')',
  '[data](data:text/html,<script>alert(1)</script>)',
  '![image](https://example.com/track.png)',
  '**strong** and a [safe link](https://example.com/)',
].join('\n\n');

describe('Markdown in the task details', () => {
  it('puts typed headings under the heading they are shown beneath, skipping no level', () => {
    const markdown = (source: string, under: number) => ({ value: headingsUnder(renderMarkdown(source), under) });
    assert.equal(markdown('# Goal\n\n### Detail\n\n## Next', 2).value, '<h3>Goal</h3>\n<h4>Detail</h4>\n<h4>Next</h4>\n');
    assert.equal(markdown('### Small\n\n# Big', 3).value, '<h4>Small</h4>\n<h4>Big</h4>\n');
    assert.equal(markdown('# A\n\n## B\n\n### C\n\n#### D', 3).value, '<h4>A</h4>\n<h5>B</h5>\n<h6>C</h6>\n<h6>D</h6>\n');
    assert.equal(markdown('<h1>typed</h1>', 2).value, '<p>&lt;h1&gt;typed&lt;/h1&gt;</p>\n');
  });

  it('renders a hostile description and comment inert: no script runs, no javascript: link, raw HTML shown as text', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Hostile sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Hostile', sprint: sprint.id, description: HOSTILE });
    await asAda('POST', `/api/tasks/${task.id}/comments/`, { body: HOSTILE });
    const { context, page, errors, refused } = await watchedBoard(`#sprint/${sprint.id}`);
    try {
      await openDetails(page, 'Hostile');
      await page.waitForSelector('dialog .comment .comment-body strong', WAIT);
      for (const scope of ['dialog .description-view', 'dialog .comment-body']) {
        assert.equal(await page.textContent(`${scope} strong`), 'strong');
        assert.match((await page.textContent(scope)) ?? '', /<script>window\.pwned = "script"<\/script>/, 'raw HTML is shown as text');
        assert.match((await page.textContent(scope)) ?? '', /<img src=x onerror=/);
        assert.equal(await page.$(`${scope} script, ${scope} img, ${scope} [onerror]`), null);
        const links = await page.$$eval(`${scope} a`, (anchors) => anchors.map((a) => [a.getAttribute('href'), a.getAttribute('rel'), a.getAttribute('target')]));
        assert.deepEqual(links, [
          ['https://example.com/track.png', 'noopener noreferrer', '_blank'],
          ['https://example.com/', 'noopener noreferrer', '_blank'],
        ]);
      }
      // Clicking the text that was a javascript: link runs nothing (and edits the description).
      await page.click('dialog .description-view p:has-text("click me")');
      assert.equal(await page.evaluate(() => (window as any).pwned), undefined);
      assert.equal(await page.inputValue('#task-detail-description'), HOSTILE);
      await page.click('dialog .description-field .md-mode[data-mode="preview"]');
      await page.waitForSelector('#task-detail-description-preview strong', WAIT);
      assert.equal(await page.$('#task-detail-description-preview script, #task-detail-description-preview img'), null);
      assert.equal(await page.evaluate(() => (window as any).pwned), undefined, 'no script ran');
      assert.deepEqual(refused, [], 'the Content-Security-Policy refused nothing');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('shows the description as Markdown, edits it with a preview, and saves only the description', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Described sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Described', sprint: sprint.id, description: '# Goal\n\n- one\n- two\n\nSee `code`.' });
    await b.api('POST', '/api/tasks/', { name: 'Undescribed', sprint: sprint.id });
    const { context, page, errors, refused } = await watchedBoard(`#sprint/${sprint.id}`);
    try {
      const patches: string[] = [];
      page.on('request', (request) => void (request.method() === 'PATCH' && patches.push(request.postData() ?? '')));
      await openDetails(page, 'Described');
      assert.equal(await page.textContent('dialog .description-view h3'), 'Goal');
      assert.deepEqual(await page.$$eval('dialog .description-view li', (items) => items.map((item) => item.textContent)), ['one', 'two']);
      assert.equal(await page.textContent('dialog .description-view code'), 'code');
      assert.equal(await page.isVisible('#task-detail-description'), false, 'read mode: rendered, not the source');
      await page.click('dialog .edit-description');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'task-detail-description');
      await page.fill('#task-detail-description', 'Now **bold**');
      await page.click('dialog .description-field .md-mode[data-mode="preview"]');
      assert.equal(await page.textContent('#task-detail-description-preview strong'), 'bold');
      await page.click('dialog .task-form button[type="submit"]');
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });
      assert.deepEqual(patches.map((body) => JSON.parse(body)), [{ description: 'Now **bold**' }]);
      await b.taskBecomes(task.id, (t) => t.description === 'Now **bold**');
      await openDetails(page, 'Described');
      assert.equal(await page.textContent('dialog .description-view strong'), 'bold');
      await page.keyboard.press('Escape');
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });

      // No description yet: its field is there to write in.
      await openDetails(page, 'Undescribed');
      assert.ok(await page.isVisible('#task-detail-description'));
      assert.equal(await page.isVisible('dialog .description-view'), false);
      assert.deepEqual(refused, []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});

describe('story points in the task details', () => {
  it('chooses points from the scale, saved undoably, shown on the card and in the column sum, and follows other boards', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Pointed sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Pointed', sprint: sprint.id });
    await b.api('POST', '/api/tasks/', { name: 'Already pointed', sprint: sprint.id, points: 3 });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      const patches: string[] = [];
      page.on('request', (request) => void (request.method() === 'PATCH' && patches.push(request.postData() ?? '')));
      await page.waitForSelector('.live-state[data-state="live"]', WAIT);
      await openDetails(page, 'Pointed');
      const choices = await page.$$eval('#task-points option', (options) => options.map((option) => option.textContent));
      assert.deepEqual(choices, ['None', '0 points', '1 point', '2 points', '3 points', '5 points', '8 points', '13 points', '20 points', '40 points', '100 points']);
      assert.equal(await page.inputValue('#task-points'), '');
      await page.selectOption('#task-points', '5');
      await page.click('dialog .task-form button[type="submit"]');
      await page.waitForSelector('dialog.task-detail', { state: 'detached', ...WAIT });
      assert.deepEqual(patches.map((body) => JSON.parse(body)), [{ points: 5 }]);
      await page.waitForSelector(`${card('Pointed')} .task-points:text-is("5 points")`, WAIT);
      await page.waitForSelector(`${column('not-started')} .column-summary:text-is("8 points")`, WAIT);
      await b.taskBecomes(task.id, (t) => t.points === 5);

      // Undone from the toast.
      await page.click('.undo-toast .undo');
      await b.taskBecomes(task.id, (t) => t.points === null);
      await page.waitForSelector(`${card('Pointed')} .task-points`, { state: 'detached', ...WAIT });
      await page.waitForSelector(`${column('not-started')} .column-summary:text-is("3 points")`, WAIT);

      // Another board sets them while the details are open: the picker, the card and the sum follow.
      await openDetails(page, 'Pointed');
      await asAda('PATCH', `/api/tasks/${task.id}/`, { points: 13 });
      await page.waitForFunction(() => (document.querySelector('#task-points') as HTMLSelectElement | null)?.value === '13', null, WAIT);
      await page.waitForSelector(`${column('not-started')} .column-summary:text-is("16 points")`, WAIT);
      // A value the API took outside the scale is kept, not lost to the next save.
      await asAda('PATCH', `/api/tasks/${task.id}/`, { points: 4 });
      await page.waitForFunction(() => (document.querySelector('#task-points') as HTMLSelectElement | null)?.value === '4', null, WAIT);
      await page.click('dialog .task-form button[type="submit"]');
      await page.waitForSelector('dialog .save-note:text-is("Nothing changed.")', WAIT);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('keeps the points of a deleted task that Undo brings back', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Restored points sprint');
    await b.api('POST', '/api/tasks/', { name: 'Worth eight', sprint: sprint.id, points: 8 });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      await openDetails(page, 'Worth eight');
      await page.click('dialog .task-form .delete');
      await page.waitForSelector(card('Worth eight'), { state: 'detached', ...WAIT });
      await page.click('.undo-toast .undo');
      await page.waitForSelector(`${card('Worth eight')} .task-points:text-is("8 points")`, WAIT);
      const [restored] = (await b.api('GET', `/api/tasks/?sprint=${sprint.id}`)).results;
      assert.equal(restored.points, 8);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
