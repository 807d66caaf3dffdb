// The starter blog's pages (the paginated index, a post, a tag page) and a
// draft as `npm run dev` marks it pass axe-core (WCAG 2.1 A/AA and best
// practice) in Chromium at phone and desktop widths.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import { ROOT } from '../src/settings.ts';
import { launchChromium, startApp, tempDir, type Running } from './helpers.ts';
import { writeFiles } from './fixtures/site.ts';

const PAGES = ['/blog/', '/blog/page/2/', '/blog/2026/publishing/', '/blog/hello-prototypes/', '/tags/process/', '/blog/unfinished/'];

describe('the starter blog in Chromium', () => {
  let app: Running;
  let browser: Browser;
  before(async () => {
    const pagesDir = path.join(tempDir('lightweight-blog-axe-'), 'pages');
    cpSync(path.join(ROOT, 'pages'), pagesDir, { recursive: true });
    writeFiles(pagesDir, { 'blog/unfinished.md': '---\ntitle: Unfinished\ndate: 2026-04-01\ntags: [post]\ndraft: true\n---\nNot ready yet.\n' });
    app = await startApp({ SERVICES: 'pages', PAGES_DIR: pagesDir }, { dev: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  for (const [name, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]] as const) {
    it(`passes axe-core (WCAG 2.1 A/AA and best practice) at ${name} width`, { timeout: 120_000 }, async () => {
      const context = await browser.newContext({ viewport });
      const tab = await context.newPage();
      try {
        const found: string[] = [];
        for (const url of PAGES) {
          const response = await tab.goto(app.url + url);
          assert.equal(response?.status(), 200, url);
          const { violations } = await new AxeBuilder({ page: tab }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
          found.push(...violations.map((v) => `${url}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
        }
        assert.equal(await tab.locator('aside.lw-draft').innerText(), 'Draft. This page has draft: true: npm run dev shows it, the build and collections leave it out.');
        assert.deepEqual(found, []);
      } finally {
        await context.close();
      }
    });
  }
});
