// The problems badge of `npm run dev`: each rendered page is checked as the
// build checks the site (a link to a missing page or static file, an <img>
// without alt, a placeholder URL the service would refuse). The page still
// renders, its tab shows a small dismissible badge listing file, line and URL,
// and the terminal prints each problem once. Over HTTP, then in Chromium.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import { ROOT } from '../src/settings.ts';
import { launchChromium, startApp, tempDir, type Running } from './helpers.ts';
import { writeFiles } from './fixtures/site.ts';

const BROKEN = [
  '<h1>Broken</h1>',
  '<p><a href="/nowhere/">A page that is not there</a> and <a href="/pricing/">one that is</a>.</p>',
  '<img src="{{ static(\'img/logo.svg\') }}" width="28" height="28">',
  '<img src="/image/0x200/" alt="Zero wide">',
  '<p><a href="/static/files/brochure.pdf">Brochure</a></p>',
].join('\n');

describe('the dev problems badge', () => {
  let app: Running;
  before(async () => {
    const dir = tempDir('lightweight-problems-');
    const pagesDir = path.join(dir, 'pages');
    const staticDir = path.join(dir, 'static');
    cpSync(path.join(ROOT, 'pages'), pagesDir, { recursive: true });
    cpSync(path.join(ROOT, 'static'), staticDir, { recursive: true });
    writeFiles(pagesDir, { 'broken.html': BROKEN, 'fine.html': '<h1>Fine</h1>\n<p><a href="/about/">About</a> <img src="/image/300x200/" alt=""></p>' });
    app = await startApp({ SERVICES: 'pages', PAGES_DIR: pagesDir, STATIC_DIR: staticDir }, { dev: true });
  });
  after(() => app.close());

  const page = async (url: string) => {
    const res = await fetch(app.url + url, { headers: { accept: 'text/html' } });
    return { status: res.status, html: await res.text() };
  };

  it('still renders the page, with a badge listing file, line and URL of each problem', async () => {
    const { status, html } = await page('/broken/');
    assert.equal(status, 200);
    assert.match(html, /<h1>Broken<\/h1>/);
    assert.match(html, /<summary id="lw-problems-title">4 problems on this page<\/summary>/);
    assert.match(html, /<li><code>pages\/broken\.html, line 2<\/code>: <code>\/nowhere\/<\/code>: there is no page at \/nowhere\/<\/li>/);
    assert.match(html, /<li><code>pages\/broken\.html, line 4<\/code>: <code>\/image\/0x200\/<\/code>: the placeholder service would refuse it: [^<]+<\/li>/);
    assert.match(html, /<li><code>pages\/broken\.html, line 5<\/code>: <code>\/static\/files\/brochure\.pdf<\/code>: there is no file static\/files\/brochure\.pdf<\/li>/);
    assert.match(html, /<li><code>pages\/broken\.html<\/code>: <code>\/static\/img\/logo\.svg<\/code>: an &lt;img&gt; without alt/, 'a URL made by static() has no line to point at');
    assert.doesNotMatch(html, /pricing\/<\/code>/, 'a link to a page that exists is fine');
  });

  it('prints each problem once in the terminal', async () => {
    await page('/broken/');
    await page('/broken/');
    const printed = app.logs.filter((line) => line.startsWith('problem: '));
    assert.equal(printed.length, 4, printed.join('\n'));
    assert.ok(printed.includes('problem: pages/broken.html, line 2: /nowhere/: there is no page at /nowhere/'));
  });

  it('adds no badge to a page without problems, nor outside dev', async () => {
    assert.doesNotMatch((await page('/fine/')).html, /lw-problems/);
    const production = await startApp({ SERVICES: 'pages', PAGES_DIR: path.join(ROOT, 'pages') });
    try {
      const res = await fetch(`${production.url}/`, { headers: { accept: 'text/html' } });
      assert.doesNotMatch(await res.text(), /lw-problems/);
    } finally {
      await production.close();
    }
  });

  describe('in Chromium', () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(() => browser?.close());

    it('shows a small badge, opened and dismissed with the keyboard', async () => {
      const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await tab.goto(`${app.url}/broken/`);
      const badge = tab.getByRole('dialog', { name: '4 problems on this page' });
      assert.ok(await badge.isVisible());
      const box = (await badge.boundingBox())!;
      assert.ok(box.height < 80 && box.width < 400, `small while closed: ${JSON.stringify(box)}`);
      const list = badge.locator('ul');
      assert.equal(await list.isVisible(), false);
      await badge.locator('summary').focus();
      await tab.keyboard.press('Enter');
      assert.ok(await list.isVisible());
      assert.match(await list.innerText(), /pages\/broken\.html, line 2: \/nowhere\/: there is no page at \/nowhere\//);
      await tab.keyboard.press('Tab');
      const dismiss = tab.getByRole('button', { name: 'Dismiss the problems badge' });
      assert.equal(await dismiss.evaluate((el) => el === document.activeElement), true);
      await tab.keyboard.press('Enter');
      await badge.waitFor({ state: 'hidden', timeout: 5000 });
      assert.equal(await tab.locator('h1').innerText(), 'Broken', 'the page itself is untouched');
      await tab.close();
    });

    for (const [name, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]] as const) {
      it(`passes axe-core (WCAG 2.1 A/AA and best practice) closed and open, at ${name} width`, async () => {
        const context = await browser.newContext({ viewport });
        const tab = await context.newPage();
        try {
          await tab.goto(`${app.url}/broken/`);
          const badge = tab.getByRole('dialog', { name: '4 problems on this page' });
          const axe = async (state: string) => {
            const { violations } = await new AxeBuilder({ page: tab }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).include('.lw-problems').analyze();
            const found = violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
            assert.deepEqual(found, [], `${state}, at ${name} width`);
          };
          await axe('closed');
          await badge.locator('summary').click();
          await badge.locator('ul').waitFor({ state: 'visible', timeout: 5000 });
          await axe('open');
        } finally {
          await context.close();
        }
      });
    }

    it('is dismissed with a tap on a phone', async () => {
      const context = await browser.newContext({ viewport: { width: 375, height: 667 }, hasTouch: true, isMobile: true });
      const tab = await context.newPage();
      await tab.goto(`${app.url}/broken/`);
      const badge = tab.getByRole('dialog', { name: '4 problems on this page' });
      const box = (await badge.boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= 375, 'fits the screen');
      await tab.getByRole('button', { name: 'Dismiss the problems badge' }).tap();
      await badge.waitFor({ state: 'hidden', timeout: 5000 });
      await context.close();
    });
  });
});
