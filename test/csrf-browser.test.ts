// Cross-site request forgery in Chromium: a page on another loopback port
// (another origin, which the browser calls same-site) submits the browsable
// API's forms while the browser holds demo's Basic credentials. Every write
// is refused and nothing changes; the same forms on the API's own pages work.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, startApp, type Running } from './helpers.ts';

let app: Running;
let browser: Browser;
let attacker: Server;
let attackerUrl: string;
let taskId: number;

const basic = `Basic ${Buffer.from('demo:test').toString('base64')}`;
const api = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { Authorization: basic, Accept: 'application/json', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: response.status === 204 ? null : ((await response.json()) as any) };
};

/** The attacker's page: the API's own forms, pointed at the app from elsewhere. */
const attackPage = (target: string) => `<!doctype html><html lang="en"><head><title>Win a prize</title></head><body>
<form id="create" method="post" action="${target}/api/tasks/"><input name="name" value="Planted by another site"><button>create</button></form>
<form id="delete" method="post" action="${target}/api/tasks/${taskId}/"><input type="hidden" name="_method" value="DELETE"><button>delete</button></form>
</body></html>`;

before(async () => {
  app = await startApp({ SERVICES: 'board' });
  browser = await launchChromium();
  taskId = (await api('POST', '/api/tasks/', { name: 'Keep me' })).body.id;
  attacker = createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'text/html' }).end(attackPage(app.url)));
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
});
after(async () => {
  await browser?.close();
  await app?.close();
  await new Promise((resolve) => attacker?.close(resolve));
});

it('refuses the forms of a page on another port, though the browser holds Basic credentials', { timeout: 60_000 }, async () => {
  const context = await browser.newContext({ httpCredentials: { username: 'demo', password: 'test' } });
  const page = await context.newPage();
  const before = (await api('GET', '/api/tasks/')).body.count;
  for (const form of ['#create', '#delete']) {
    await page.goto(attackerUrl);
    const [response] = await Promise.all([page.waitForNavigation(), page.locator(`${form} button`).click()]);
    assert.equal(response?.status(), 403, form);
    assert.match(await page.locator('body').innerText(), /CSRF Failed: the browser marked it same-site/, form);
  }
  assert.equal((await api('GET', '/api/tasks/')).body.count, before, 'no task created');
  assert.equal((await api('GET', `/api/tasks/${taskId}/`)).status, 200, 'the task was not deleted');
  await context.close();
});

it('accepts the same forms on the API\'s own pages', { timeout: 60_000 }, async () => {
  const context = await browser.newContext({ httpCredentials: { username: 'demo', password: 'test' } });
  const page = await context.newPage();
  await page.goto(`${app.url}/api/tasks/`);
  await page.locator('#field-name').fill('Made on our own page');
  const [response] = await Promise.all([page.waitForNavigation(), page.locator('section', { hasText: 'HTML form' }).getByRole('button', { name: 'POST', exact: true }).click()]);
  assert.equal(response?.status(), 201);
  const created = (await api('GET', '/api/tasks/?search=own+page')).body.results;
  assert.equal(created.length, 1);
  await page.goto(`${app.url}/api/tasks/${taskId}/`);
  page.once('dialog', (dialog) => void dialog.accept());
  await Promise.all([page.waitForURL(`${app.url}/api/tasks/`), page.getByRole('button', { name: 'DELETE' }).click()]);
  assert.equal((await api('GET', `/api/tasks/${taskId}/`)).status, 404);
  await context.close();
});
