// The home page in a real browser (Debian's Chromium): every example image,
// in every format, decodes there, at the pixel size its URL asks for.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, startApp, type Running } from './helpers.ts';

let app: Running;
let browser: Browser;
before(async () => {
  app = await startApp({ SERVICES: 'placeholder' });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

test('Chromium shows every image on the home page at the size its URL names', async () => {
  const page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  const failed: string[] = [];
  page.on('requestfailed', (request) => failed.push(request.url()));
  const response = await page.goto(`${app.url}/image/`, { waitUntil: 'load' });
  assert.equal(response?.status(), 200);
  // Lazy images below the fold load once scrolled to.
  await page.evaluate(() => document.querySelectorAll('img').forEach((img) => (img.loading = 'eager')));
  await page.waitForFunction(() => [...document.images].every((img) => img.complete));
  const images = await page.evaluate(() => [...document.images].map((img) => ({ src: img.currentSrc, width: img.naturalWidth, height: img.naturalHeight })));
  assert.ok(images.length >= 8);
  assert.deepEqual(failed, []);
  for (const { src, width, height } of images) {
    const path = new URL(src).pathname;
    const size = /^\/image\/(\d+)(?:x(\d+))?(?:@(\d)x)?/.exec(path)!;
    const scale = Number(size[3] ?? 1);
    // SVG's natural size is its width/height attributes; bitmaps have scale × the pixels.
    assert.deepEqual([width, height], [Number(size[1]) * scale, Number(size[2] ?? size[1]) * scale], src);
  }
  const stylesheet = await page.evaluate(() => getComputedStyle(document.querySelector('.ph-url')!).borderRadius);
  assert.notEqual(stylesheet, '0px', 'placeholder.css applies');
  await page.close();
});
