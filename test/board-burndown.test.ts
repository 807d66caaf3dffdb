// The burndown chart: its words (how far ahead of or behind the ideal line),
// its markup (html-validate: the caption last, the day values as a table)
// without a browser, and in Chromium its labels at phone width (at least
// 11 px as drawn) and "Today" clear of every axis label.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HtmlValidate } from 'html-validate';
import type { Page } from 'playwright-core';
import { figure, summary } from '../src/board/client/burndown.ts';
import type { Burndown } from '../src/board/history.ts';
import { BoardBrowser, WAIT } from './board-browser.ts';

const day = (date: string, remaining: number | null, ideal: number, total = 4) => ({ date, total, remaining, completed: remaining === null ? null : total - remaining, ideal });
const data = (remaining: Array<number | null>): Burndown => ({
  sprint: 1,
  by: 'tasks',
  start: '2030-03-01',
  end: '2030-03-05',
  days: remaining.map((value, i) => day(`2030-03-0${i + 1}`, value, 4 - i)),
});

describe('burndown words and markup', () => {
  it('says whether the sprint is ahead of or behind the ideal line', () => {
    assert.equal(summary(data([4, 4, 3, null, null]), '2030-03-03'), '3 of 4 tasks remaining, 2 days left; 1 task behind the ideal line.');
    assert.equal(summary(data([4, 1, 0, null, null]), '2030-03-03'), '0 of 4 tasks remaining, 2 days left; 2 tasks ahead of the ideal line.');
    assert.equal(summary(data([4, 3, null, null, null]), '2030-03-02'), '3 of 4 tasks remaining, 3 days left; on the ideal line.');
  });

  it('is valid HTML with the caption last and the day values as a table', async () => {
    const markup = figure(data([4, 3, 3, null, null]), '2030-03-03', 320).value;
    const validator = new HtmlValidate({ extends: ['html-validate:standard'], rules: { 'no-trailing-whitespace': 'off' } });
    const report = await validator.validateString(`<!doctype html><html lang="en"><head><title>t</title></head><body><main><figure class="burndown">${markup}</figure></main></body></html>`);
    const messages = report.results.flatMap((result) => result.messages.map((m) => `${m.ruleId}: ${m.message}`));
    assert.deepEqual(messages, []);
    assert.match(markup, /<\/table>\s*<figcaption[^>]*>[^<]*<\/figcaption>$/);
    assert.match(markup, /<tr><th scope="row">[^<]+<\/th><td>3<\/td><td>1<\/td><td>2<\/td><\/tr>/);
    assert.match(markup, /<tr><th scope="row">[^<]+<\/th><td>—<\/td><td>—<\/td><td>0<\/td><\/tr>/);
  });
});

describe('the burndown in Chromium', () => {
  const b = new BoardBrowser();
  before(() => b.start());
  after(() => b.close());

  /** Each label's drawn font size (its CSS size times the drawing's scale), and whether "Today" meets another label. */
  const measure = (page: Page) =>
    page.$eval('.burndown-chart', (svg) => {
      const scale = svg.getBoundingClientRect().width / (svg as SVGSVGElement).viewBox.baseVal.width;
      const labels = [...svg.querySelectorAll('text')];
      const today = svg.querySelector('.today-label')!.getBoundingClientRect();
      const overlaps = labels
        .filter((label) => !label.classList.contains('today-label'))
        .map((label) => label.getBoundingClientRect())
        .filter((box) => box.left < today.right && today.left < box.right && box.top < today.bottom && today.top < box.bottom);
      return { sizes: labels.map((label) => parseFloat(getComputedStyle(label).fontSize) * scale), overlaps: overlaps.length };
    });

  for (const [size, viewport] of Object.entries({ phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } })) {
    it(`draws labels of at least 11 px, "Today" clear of the axis labels, at ${size} width`, { timeout: 30_000 }, async () => {
      const sprint = await b.createSprint(`Chart sprint ${size}`);
      for (const name of ['One', 'Two', 'Three']) await b.api('POST', '/api/tasks/', { name, sprint: sprint.id });
      const { context, page } = await b.openBoard(`#sprint/${sprint.id}`, { viewport });
      try {
        await page.waitForSelector('.burndown-chart .today-label', WAIT); // made today: "Today" is over the first day, beside the count axis
        const { sizes, overlaps } = await measure(page);
        assert.ok(sizes.every((px) => px >= 11), `label sizes ${sizes.map((px) => px.toFixed(1)).join(', ')}`);
        assert.equal(overlaps, 0);
        assert.equal(await page.locator('.burndown-days tbody tr').count(), (await b.api('GET', `/api/sprints/${sprint.id}/burndown/`)).days.length);
      } finally {
        await context.close();
      }
    });
  }
});
