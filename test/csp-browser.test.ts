// The Content-Security-Policy in Chromium: everything the app serves keeps
// working under it, and no `securitypolicyviolation` event fires. The board
// (login, a sprint, a task, a drag, the live websocket), the browsable API's
// forms and its DELETE script, a designer's page with inline script, style,
// style attributes and an onclick, live reload of that page under dev, the
// placeholder home and an error page.
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ROOT } from '../src/settings.ts';
import { launchChromium, startApp, tempDir, type Running } from './helpers.ts';

const WAIT = { timeout: 10_000 };

const INLINE_PAGE = (version: string) => `{% extends "base.html" %}
{% block content %}
<style>#probe { color: rgb(1, 2, 3); }</style>
<div id="probe" style="margin-left: 7px">Probe ${version}</div>
<button id="clicker" type="button" onclick="this.dataset.clicked = 'yes'">Click</button>
<script>document.getElementById('probe').dataset.ran = 'yes';</script>
{% endblock %}
`;

let app: Running;
let browser: Browser;
let pagesDir: string;

before(async () => {
  const dir = tempDir('lightweight-csp-');
  pagesDir = path.join(dir, 'pages');
  cpSync(path.join(ROOT, 'pages'), pagesDir, { recursive: true });
  writeFileSync(path.join(pagesDir, 'inline.html'), INLINE_PAGE('one'));
  app = await startApp({ PAGES_DIR: pagesDir }, { dev: true });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

/** A context whose pages report every CSP violation (and Chromium's own "Refused to" errors) into `violations`. */
async function watchedContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page; violations: string[] }> {
  const context = await browser.newContext(options);
  // Playwright's init scripts are not subject to the page's policy.
  await context.addInitScript(() => {
    // Note when live reload's event stream opens, so that an edit is not made before the tab listens.
    const Native = window.EventSource;
    window.EventSource = class extends Native {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        this.addEventListener('open', () => Object.assign(window, { liveReloadOpen: true }));
      }
    };
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI} (${event.sample}) at ${location.pathname}`);
    });
  });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/CSP violation|Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
  });
  return { context, page, violations };
}

it('runs a page\'s inline script, style, style attribute and onclick, and live reload, with no violation', { timeout: 60_000 }, async () => {
  const { context, page, violations } = await watchedContext();
  const response = await page.goto(`${app.url}/inline/`);
  // The starter layout's search box adds 'wasm-unsafe-eval' (Pagefind's search is WebAssembly).
  assert.match(response!.headers()['content-security-policy']!, /script-src 'self' 'wasm-unsafe-eval'( 'sha256-[^']+'){2} 'unsafe-hashes' 'sha256-[^']+';/);
  const probe = page.locator('#probe');
  assert.equal(await probe.getAttribute('data-ran'), 'yes', 'the inline script ran');
  assert.equal(await probe.evaluate((el) => getComputedStyle(el).color), 'rgb(1, 2, 3)', 'the <style> applied');
  assert.equal(await probe.evaluate((el) => getComputedStyle(el).marginLeft), '7px', 'the style attribute applied');
  await page.click('#clicker');
  assert.equal(await page.getAttribute('#clicker', 'data-clicked'), 'yes', 'the onclick ran');

  // Live reload: its script and event stream run under the policy; an edit reloads the tab.
  await page.waitForFunction(() => (window as { liveReloadOpen?: boolean }).liveReloadOpen === true, undefined, WAIT);
  writeFileSync(path.join(pagesDir, 'inline.html'), INLINE_PAGE('two'));
  await page.waitForSelector('#probe:text("Probe two")', WAIT);
  assert.equal(await probe.getAttribute('data-ran'), 'yes', 'the edited inline script ran too');
  assert.deepEqual(violations, []);

  // A script injected after the fact is neither in the page as sent nor hashed: blocked, and reported.
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.injected = true;';
    document.body.append(script);
  });
  assert.equal(await page.evaluate(() => (window as { injected?: boolean }).injected), undefined, 'the injected script did not run');
  assert.ok(violations.some((line) => /script-src/.test(line)), `the watcher sees violations: ${violations.join('\n')}`);
  await context.close();
});

it('shows the starter pages, the placeholder home and an error page with no violation', { timeout: 60_000 }, async () => {
  const { context, page, violations } = await watchedContext();
  for (const url of ['/', '/pricing/', '/login/', '/image/', '/no/such/page/']) {
    await page.goto(`${app.url}${url}`);
    await page.waitForLoadState('load');
  }
  assert.deepEqual(violations, []);
  await context.close();
});

it('drives the board: login, a sprint, a task, a drag and the live websocket, with no violation', { timeout: 60_000 }, async () => {
  const { context, page, violations } = await watchedContext({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${app.url}/board/`);
  await page.fill('#login-username', 'demo');
  await page.fill('#login-password', 'test');
  await page.click('.login button[type="submit"]');
  await page.waitForSelector('.home h1', WAIT);
  await page.click('.add-sprint', WAIT);
  await page.fill('#sprint-name', 'Policy sprint');
  await page.fill('#sprint-end', new Date(Date.now() + 40 * 86_400_000).toLocaleDateString('sv-SE'));
  await page.click('.new-sprint button[type="submit"]');
  await page.waitForSelector('.sprint-header h1', WAIT);
  await page.waitForSelector('.live-state[data-state="live"]', WAIT);
  await page.click('.add-task');
  await page.fill('#task-name', 'Under the policy');
  await page.click('.add-task-form button[type="submit"]');
  const card = '.task:has(.task-name:text-is("Under the policy"))';
  await page.waitForSelector(`.column[data-column="backlog"] ${card}`, WAIT);
  await page.dragAndDrop(card, '.column[data-column="in-development"]');
  await page.waitForSelector(`.column[data-column="in-development"] ${card}`, WAIT);
  assert.deepEqual(violations, []);
  await context.close();
});

it('uses the browsable API\'s forms and its DELETE script, with no violation', { timeout: 60_000 }, async () => {
  const { context, page, violations } = await watchedContext({ httpCredentials: { username: 'demo', password: 'test' } });
  await page.goto(`${app.url}/api/tasks/`);
  await page.locator('#field-name').fill('Posted under the policy');
  const [created] = await Promise.all([page.waitForNavigation(), page.locator('section', { hasText: 'HTML form' }).getByRole('button', { name: 'POST', exact: true }).click()]);
  assert.equal(created?.status(), 201);
  const task = JSON.parse(await page.locator('pre.response').innerText().then((text) => text.slice(text.indexOf('{'))));
  await page.goto(task.links.self);
  await page.locator('textarea[name="model"]').fill('{"order": 3}');
  const [patched] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'PATCH', exact: true }).click()]);
  assert.equal(patched?.status(), 200);
  page.once('dialog', (dialog) => void dialog.accept());
  await Promise.all([page.waitForURL(`${app.url}/api/tasks/`), page.getByRole('button', { name: 'DELETE' }).click()]);
  assert.deepEqual(violations, []);
  await context.close();
});
