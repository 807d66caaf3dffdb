// Moving cards with a finger, in Chromium with a touch screen (a context with
// hasTouch, driven by touch events through the DevTools protocol): a long
// press and drag moves a card between columns and within one, with the
// locking, announcement and undo of a mouse drag; the help speaks of touch;
// a quick swipe still scrolls the board.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { BoardBrowser, card, column, WAIT } from './board-browser.ts';

const TEST_TIMEOUT = 40_000;
const b = new BoardBrowser();
before(() => b.start());
after(() => b.close());

interface Phone {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  errors: string[];
}

/** A phone at a sprint's board, once the burndown is drawn: nothing shifts under the finger after that. */
async function openPhone(hash: string): Promise<Phone> {
  const { context, page, errors } = await b.openBoard(hash, { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  await page.waitForSelector('.burndown-chart', WAIT);
  return { context, page, cdp: await context.newCDPSession(page), errors };
}

/** Scroll the page so the element is near the top of the screen. */
const scrollToTop = (page: Page, selector: string) => page.$eval(selector, (el) => window.scrollBy(0, el.getBoundingClientRect().top - 60));

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function centre(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = (await page.locator(selector).boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + Math.min(box.height / 2, 20) };
}

/** A finger: down at `from`, resting `holdMs`, then along to `to` in steps, and up. */
async function swipe(cdp: CDPSession, from: { x: number; y: number }, to: { x: number; y: number }, holdMs: number, steps = 12): Promise<void> {
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [from] });
  await pause(holdMs);
  for (let i = 1; i <= steps; i++) {
    const point = { x: from.x + ((to.x - from.x) * i) / steps, y: from.y + ((to.y - from.y) * i) / steps };
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [point] });
    await pause(16);
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

async function namesIn(page: Page, key: string): Promise<string[]> {
  return page.$$eval(`${column(key)} .task-name`, (els) => els.map((el) => el.textContent!));
}

describe('touch on the board', () => {
  it('moves a card to another column and within one by long press and drag, announced and undoable', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Touch sprint');
    const made = [];
    for (const [i, name] of ['Finger one', 'Finger two', 'Finger three'].entries()) made.push(await b.api('POST', '/api/tasks/', { name, sprint: sprint.id, order: i * 1024 }));
    await b.api('POST', '/api/tasks/', { name: 'Tested', sprint: sprint.id, status: 2, started: '2030-01-01' });
    const { context, page, cdp, errors } = await openPhone(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(card('Tested'), WAIT);
      const help = (await page.textContent('#move-help'))!;
      assert.match(help, /^Touch and hold a task, then drag it/);
      assert.doesNotMatch(help, /Shift|Alt\+U|Ctrl\+Z/, 'no keys on a phone without a keyboard');

      // Within the column: the third card up before the first.
      await scrollToTop(page, card('Finger one'));
      await swipe(cdp, await centre(page, card('Finger three')), await centre(page, card('Finger one')), 700);
      await page.waitForSelector('.announce:text-is("Moved “Finger three” to Not Started, position 1 of 3.")', WAIT);
      assert.deepEqual(await namesIn(page, 'not-started'), ['Finger three', 'Finger one', 'Finger two']);
      assert.equal(await page.isVisible('dialog.task-detail'), false, 'a drop opens no details');

      // Across: the first card onto In Development's card.
      await scrollToTop(page, card('Finger one'));
      const target = await centre(page, card('Tested'));
      assert.ok(target.y < 800, `In Development's card is on screen (${target.y})`);
      await swipe(cdp, await centre(page, card('Finger one')), target, 700, 30);
      await page.waitForSelector('.announce:text-is("Moved “Finger one” to In Development, position 1 of 2.")', WAIT);
      await b.taskBecomes(made[0].id, (t) => t.status === 2);
      await page.waitForSelector('.undo-toast:not([hidden]) .undo', WAIT);
      await page.tap('.undo-toast .undo');
      await b.taskBecomes(made[0].id, (t) => t.status === 1);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('will not pick up a card someone else is dragging', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Touch lock sprint');
    const task = await b.api('POST', '/api/tasks/', { name: 'Held elsewhere', sprint: sprint.id });
    await b.api('POST', '/api/tasks/', { name: 'Target', sprint: sprint.id, status: 3, started: '2030-01-01' });
    const { context, page, cdp } = await openPhone(`#sprint/${sprint.id}`);
    const other = await b.openBoard(`#sprint/${sprint.id}`);
    try {
      for (const p of [page, other.page]) await p.waitForSelector('.live-state[data-state="live"]', WAIT);
      await other.page.hover(card('Held elsewhere'));
      await other.page.mouse.down();
      await other.page.mouse.move(5, 5, { steps: 3 });
      await page.waitForSelector(`${card('Held elsewhere')}.locked`, WAIT);
      await swipe(cdp, await centre(page, card('Held elsewhere')), await centre(page, card('Target')), 700, 20);
      await pause(500);
      assert.equal((await b.api('GET', `/api/tasks/${task.id}/`)).status, 1);
      await other.page.mouse.up();
    } finally {
      await context.close();
      await other.context.close();
    }
  });

  it('still scrolls the board under a quick swipe', { timeout: TEST_TIMEOUT }, async () => {
    const sprint = await b.createSprint('Touch scroll sprint');
    for (let i = 0; i < 12; i++) await b.api('POST', '/api/tasks/', { name: `Scroll ${i + 1}`, sprint: sprint.id, order: i * 1024 });
    const { context, page, cdp } = await openPhone(`#sprint/${sprint.id}`);
    try {
      await page.waitForSelector(card('Scroll 12'), WAIT);
      await scrollToTop(page, card('Scroll 3'));
      const scrolled = await page.evaluate(() => window.scrollY);
      assert.ok(scrolled > 200, `scrolled to ${scrolled}`);
      // A finger pulling the board down over the cards: the page scrolls back up.
      const from = await centre(page, card('Scroll 4'));
      await swipe(cdp, from, { x: from.x, y: from.y + 250 }, 0, 8);
      await page.waitForFunction((before) => window.scrollY < before - 100, scrolled, WAIT);
      assert.deepEqual((await namesIn(page, 'not-started')).slice(0, 3), ['Scroll 1', 'Scroll 2', 'Scroll 3'], 'nothing moved');
    } finally {
      await context.close();
    }
  });
});
