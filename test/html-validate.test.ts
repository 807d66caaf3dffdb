// Every built page and every page the app renders (the board also as its
// client renders it in Chromium) is valid HTML with sound
// landmarks, labels and ARIA: html-validate's standard preset, with only the
// whitespace and doctype style rules off (those are taste, not correctness).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HtmlValidate } from 'html-validate';
import { launchChromium, startApp, tempDir, type Running } from './helpers.ts';
import { appPages, buildStarterSite, builtPages, seedBoard, type BoardData } from './fixtures/served-pages.ts';

const validator = new HtmlValidate({
  extends: ['html-validate:standard'],
  rules: { 'no-trailing-whitespace': 'off', 'doctype-style': 'off' },
});

/** Every problem html-validate finds, one line each, naming the page, the place and the rule. */
async function problems(html: string, name: string): Promise<string[]> {
  const report = await validator.validateString(html, name);
  return report.results.flatMap((result) =>
    result.messages.map((m) => `${name}:${m.line}:${m.column} ${m.ruleId}: ${m.message} (${JSON.stringify(m.selector ?? '')})`),
  );
}

describe('html-validate', () => {
  it('finds the problems it is here to find', async () => {
    // The starter pricing page's old check marks: an aria-label on a bare span, which screen readers may ignore.
    const found = await problems('<!doctype html><html lang="en"><head><title>t</title></head><body><main><span aria-label="Included">&#10003;</span></main></body></html>', 'sample');
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0]!, /aria-label-misuse/);
  });

  describe('on the built site', () => {
    const buildDir = path.join(tempDir('lightweight-html-validate-'), '_build');
    before(async () => {
      await buildStarterSite(buildDir);
    });

    it('passes on every page', async () => {
      const pages = builtPages(buildDir);
      assert.ok(pages.length >= 5, pages.join(' '));
      const found = (await Promise.all(pages.map((page) => problems(readFileSync(path.join(buildDir, page), 'utf8'), `_build/${page}`)))).flat();
      assert.deepEqual(found, []);
    });
  });

  describe('on the pages the app renders', () => {
    let app: Running;
    let board: BoardData;
    before(async () => {
      app = await startApp();
      board = await seedBoard(app);
    });
    after(async () => {
      await app?.close();
    });

    it('passes on the board as its client renders it: login, sprints, a sprint board', { timeout: 60_000 }, async () => {
      const browser = await launchChromium();
      try {
        const found: string[] = [];
        const context = await browser.newContext();
        const page = await context.newPage();
        // Waits for every selector, so that what renders later (the burndown chart) is in the snapshot rather than racing it.
        const snapshot = async (name: string, ...selectors: string[]) => {
          for (const selector of selectors) await page.waitForSelector(selector, { timeout: 15_000 });
          found.push(...(await problems(`<!doctype html>\n${await page.evaluate(() => document.documentElement.outerHTML)}`, name)));
        };
        await page.goto(`${app.url}/board/`);
        await snapshot('/board/ (login)', '.login');
        await page.evaluate((token) => localStorage.setItem('board.token', token), board.token);
        await page.reload();
        await snapshot('/board/ (sprints)', '.home h1');
        await page.goto(`${app.url}/board/#sprint/${board.sprint}`);
        await snapshot(`/board/#sprint/${board.sprint}`, '.task', 'figure.burndown:not([aria-busy]) svg.burndown-chart');
        await context.close();
        assert.deepEqual(found, []);
      } finally {
        await browser.close();
      }
    });

    it('passes on every page', async () => {
      const found: string[] = [];
      for (const page of appPages(board)) {
        const response = await fetch(app.url + page.url, { headers: page.headers });
        assert.equal(response.status, page.status ?? 200, page.url);
        assert.match(response.headers.get('content-type') ?? '', /^text\/html/, page.url);
        found.push(...(await problems(await response.text(), page.url)));
      }
      assert.deepEqual(found, []);
    });
  });
});
