// The browsable API in Chromium, as a person uses it: the browser's Basic
// login, clickable links, and the HTML forms that POST, PUT, PATCH and
// DELETE through the API's own rules (emulated methods, same-origin Basic).
// (Without credentials, headless Chromium cannot show the login prompt; the
// challenge itself is tested over plain HTTP in api.test.ts.)
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, startApp, type Running } from './helpers.ts';

let app: Running;
let browser: Browser;

before(async () => {
  app = await startApp({ SERVICES: 'board' });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

const apiGet = async (path: string) => {
  const response = await fetch(`${app.url}${path}`, { headers: { Authorization: `Basic ${Buffer.from('demo:test').toString('base64')}` } });
  return { status: response.status, body: response.status === 200 ? ((await response.json()) as Record<string, unknown>) : null };
};

it('creates, edits and deletes through its forms after the browser\'s Basic login', { timeout: 60_000 }, async () => {
  const context = await browser.newContext({ httpCredentials: { username: 'demo', password: 'test' } });
  const page = await context.newPage();
  const htmlForm = () => page.locator('section', { hasText: 'HTML form' });

  let response = await page.goto(`${app.url}/api/`);
  assert.equal(response?.status(), 200);
  await page.getByRole('link', { name: `${app.url}/api/sprints/`, exact: true }).click();
  await page.waitForURL(`${app.url}/api/sprints/`);
  assert.equal(await page.locator('h1').innerText(), 'Sprint List');
  assert.notEqual(await page.locator('.btn-primary').evaluate((button) => getComputedStyle(button).backgroundColor), 'rgba(0, 0, 0, 0)', 'Bootstrap is loaded');

  const end = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  await page.locator('#field-name').fill('Browser sprint');
  await page.locator('#field-end').fill(end);
  [response] = await Promise.all([page.waitForNavigation(), htmlForm().getByRole('button', { name: 'POST', exact: true }).click()]);
  assert.equal(response?.status(), 201);
  const sprint = JSON.parse(await page.locator('pre.response').innerText().then((text) => text.slice(text.indexOf('{'))));
  assert.equal(sprint.name, 'Browser sprint');

  await page.goto(`${app.url}/api/tasks/`);
  await page.locator('#field-name').fill('Browser task');
  await page.locator('#field-sprint').fill(String(sprint.id));
  [response] = await Promise.all([page.waitForNavigation(), htmlForm().getByRole('button', { name: 'POST', exact: true }).click()]);
  assert.equal(response?.status(), 201);
  const task = JSON.parse(await page.locator('pre.response').innerText().then((text) => text.slice(text.indexOf('{'))));
  assert.equal(task.sprint, sprint.id);

  // The detail page: PUT through the HTML form, PATCH through the raw JSON form.
  await page.goto(task.links.self);
  assert.equal(await page.locator('#field-name').inputValue(), 'Browser task', 'the form holds the current values');
  await page.locator('#field-name').fill('Renamed in Chromium');
  await page.locator('#field-status').selectOption('2');
  await page.locator('#field-started').fill(new Date().toLocaleDateString('sv-SE'));
  [response] = await Promise.all([page.waitForNavigation(), htmlForm().getByRole('button', { name: 'PUT', exact: true }).click()]);
  assert.equal(response?.status(), 200, await page.locator('pre.response').innerText());
  assert.equal((await apiGet(`/api/tasks/${task.id}/`)).body?.name, 'Renamed in Chromium');

  await page.locator('textarea[name="model"]').fill('{"order": 9}');
  [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'PATCH', exact: true }).click()]);
  assert.equal(response?.status(), 200);
  assert.equal((await apiGet(`/api/tasks/${task.id}/`)).body?.order, 9);

  page.once('dialog', (dialog) => void dialog.accept());
  await Promise.all([page.waitForURL(`${app.url}/api/tasks/`), page.getByRole('button', { name: 'DELETE' }).click()]);
  assert.equal((await apiGet(`/api/tasks/${task.id}/`)).status, 404);
  await context.close();
});
