// Story points and WIP limits on the board: the words of a column's summary
// (points.ts, without a browser), and in Chromium the points on cards, each
// column's sum, a column over its limit said in words, a move over the
// limit allowed and announced, and the burndown switched to points.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COLUMNS } from '../src/board/client/columns.ts';
import { columnSummary, limitOf, overLimitWords, pointsText } from '../src/board/client/points.ts';
import { describeEntries } from '../src/board/client/history.ts';
import { velocitySummary } from '../src/board/client/velocity.ts';
import { BoardBrowser, card, column, WAIT } from './board-browser.ts';

describe('points and WIP limits in words', () => {
  it('sums points and says when a column is over its limit', () => {
    assert.equal(pointsText(1), '1 point');
    assert.deepEqual(columnSummary([3, null, 5], null), { text: '8 points', over: false });
    assert.deepEqual(columnSummary([3, 5], 2), { text: '8 points · limit 2', over: false });
    assert.deepEqual(columnSummary([3, 5, 1], 2), { text: '9 points · over its WIP limit of 2', over: true });
    const inProgress = COLUMNS.find((c) => c.key === 'in-development')!;
    assert.equal(limitOf(inProgress, { 2: 3 }), 3);
    assert.equal(limitOf(COLUMNS[0]!, { 1: 3 }), null, 'the backlog has no limit');
    assert.equal(overLimitWords(inProgress, columnSummary([1, 1, 1, 1], 3), 3), ' In Development is now over its WIP limit of 3.');
  });
});

describe('points, labels and comments in history words', () => {
  it('says who set points, changed labels, commented, edited or deleted a comment', () => {
    const entry = (action: 'update' | 'comment', changes: Record<string, [unknown, unknown]>) => ({ task: 1, at: '2030-01-01T00:00:00.000Z', user: 'demo', action, changes, restored_from: null });
    const words = describeEntries(
      [
        entry('comment', { comment: [null, 3], body: [null, 'x'] }),
        entry('comment', { comment: [3, 3], body: ['x', 'y'] }),
        entry('comment', { comment: [3, null], body: ['y', null] }),
        entry('update', { points: [null, 5], labels: [[1], [1, 2]] }),
        entry('update', { points: [5, null] }),
      ],
      { status: 1, sprint: 1 },
      1,
    ).map((phrase) => phrase.value);
    assert.deepEqual(words, [
      '<bdi>demo</bdi> commented',
      '<bdi>demo</bdi> edited a comment',
      '<bdi>demo</bdi> deleted a comment',
      // No board has loaded label 2's name here: it is named by its id.
      '<bdi>demo</bdi> set the points to 5 and labelled it “<bdi>label #2</bdi>”',
      '<bdi>demo</bdi> cleared the points',
    ]);
  });
});

describe('points and WIP limits in Chromium', () => {
  const b = new BoardBrowser();
  before(() => b.start());
  after(() => b.close());

  it('shows points on cards and column sums, and announces a move over the limit', async () => {
    const sprint = await b.createSprint('Limited sprint');
    await b.api('PATCH', `/api/sprints/${sprint.id}/`, { wip_limits: { 2: 1 } });
    await b.api('POST', '/api/tasks/', { name: 'Busy one', sprint: sprint.id, status: 2, started: '2030-01-01', points: 5 });
    await b.api('POST', '/api/tasks/', { name: 'Waiting one', sprint: sprint.id, points: 3 });
    const { context, page, errors } = await b.openBoard(`#sprint/${sprint.id}`);
    await page.waitForSelector(card('Waiting one'), WAIT);
    assert.equal(await page.locator(`${card('Busy one')} .task-points`).innerText(), '5 points');
    assert.equal(await page.locator(`${column('in-development')} .column-summary`).innerText(), '5 points · limit 1');
    await page.focus(`${card('Waiting one')} .task-open`);
    await page.keyboard.press('Shift+ArrowRight');
    await page.waitForSelector(`${column('in-development')}.over-limit`, WAIT);
    assert.equal(await page.locator(`${column('in-development')} .column-summary`).innerText(), '8 points · over its WIP limit of 1');
    // Announced once the server has the move.
    await page.waitForSelector('.announce:text-matches("In Development is now over its WIP limit of 1\\.")', { state: 'attached', ...WAIT });
    const moved = await b.api('GET', `/api/tasks/?sprint=${sprint.id}&status=2`);
    assert.equal(moved.count, 2, 'the move over the limit was made');
    // The burndown counts tasks or, switched, story points.
    await page.waitForSelector('.burndown-summary:text-matches("of 2 tasks remaining")', WAIT);
    const points = page.getByRole('radio', { name: 'Story points' });
    const switchBefore = await points.elementHandle();
    await points.check();
    await page.waitForSelector('.burndown-summary:text-matches("of 8 points remaining")', WAIT);
    // Redrawn at another width: the switch is kept, not drawn again under the person's focus (or click).
    const chartBefore = await page.locator('.burndown-chart').elementHandle();
    await page.setViewportSize({ width: 600, height: 800 });
    await page.waitForFunction((old) => !old!.isConnected, chartBefore, WAIT);
    assert.ok(await switchBefore!.evaluate((input) => input.isConnected && input === document.activeElement && (input as HTMLInputElement).checked), 'the same switch, checked, with the focus');
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe('velocity on the sprint list', () => {
  const b = new BoardBrowser();
  before(() => b.start());
  after(() => b.close());

  it('is a table of committed and completed points with the average in words', async () => {
    assert.equal(velocitySummary([]), 'No finished sprint yet: velocity shows once one ends.');
    const sprint = await b.createSprint('Velocity sprint');
    await b.api('POST', '/api/tasks/', { name: 'Counted', sprint: sprint.id, points: 5 });
    const { context, page, errors } = await b.openBoard('');
    await page.waitForSelector('.velocity:not([hidden]) table', WAIT);
    const rows = await page.locator('.velocity tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => (cell as HTMLElement).innerText.trim())));
    assert.deepEqual(rows.at(-1), ['Velocity sprint (under way)', '5', '0']);
    assert.equal(await page.locator('.velocity caption').innerText(), 'Velocity: story points committed and completed');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
