// Lighthouse 12 on every page a visitor sees, offline: the built site through
// `npm run preview`, and the app as `DEBUG=off npm start` runs it (its own
// process): the prototype home, the placeholder service home, the browsable
// API, the board's login and a logged-in sprint board. Desktop preset, no
// throttling beyond what loopback gives (`--throttling-method=provided`).
// Each page scores at least 98 in every category and 100 in accessibility;
// every audit under 0.9 is printed, so a failure says what to fix.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import lighthouse, { desktopConfig, type Flags, type Result } from 'lighthouse';
import { chromium } from 'playwright-core';
import { ROOT } from '../src/settings.ts';
import { runScript, tempDir } from './helpers.ts';
import { buildStarterSite, builtPages, builtPageUrl, seedBoard, type BoardData } from './fixtures/served-pages.ts';

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
const MIN_SCORE = 0.98;
/** One Lighthouse run is 5-20 s on a small machine. */
const RUN_TIMEOUT = 120_000;

interface Child {
  url: string;
  process: ChildProcess;
  output: () => string;
}

/** A server in a process of its own, ready once its stdout shows the port (`pattern` captures it). */
function startChild(args: string[], env: Record<string, string>, pattern: RegExp): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const port = pattern.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}`, process: child, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`)));
  });
}

const stop = (child: Child | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (!child || child.process.exitCode !== null) return resolve();
    child.process.once('exit', () => resolve());
    child.process.kill('SIGTERM');
  });

/** Debian's Chromium with its DevTools port open for Lighthouse; never a downloaded browser. */
async function startChromium(): Promise<{ port: number; process: ChildProcess }> {
  const chrome = spawn(
    '/usr/bin/chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--remote-debugging-port=0',
      `--user-data-dir=${tempDir('lightweight-lighthouse-chrome-')}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Chromium did not open its DevTools port:\n${output}`)), 30_000);
    chrome.stderr.on('data', (chunk: Buffer) => {
      output += chunk;
      const port = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(Number(port));
      }
    });
    chrome.on('exit', (code) => reject(new Error(`Chromium exited with ${code}:\n${output}`)));
  });
  chrome.stderr.resume();
  return { port, process: chrome };
}

/** What an audit's detail item is about, in one short line: its URL or element, and its numbers. */
function summarize(item: Record<string, unknown>): string {
  const node = item.node as { selector?: string; snippet?: string } | undefined;
  const parts = [item.url, node?.selector ?? node?.snippet, item.label, item.description].filter((v) => typeof v === 'string') as string[];
  for (const [key, value] of Object.entries(item)) if (typeof value === 'number') parts.push(`${key}=${Math.round(value * 100) / 100}`);
  return parts.join(' ').slice(0, 240);
}

/** The audits that cost points: every scored one under 0.9, with what Lighthouse says about it. */
function weakAudits(lhr: Result): string[] {
  const lines: string[] = [];
  for (const id of CATEGORIES) {
    for (const ref of lhr.categories[id]?.auditRefs ?? []) {
      const audit = lhr.audits[ref.id];
      if (!audit || audit.score === null || audit.score >= 0.9) continue;
      if (['notApplicable', 'informative', 'manual'].includes(audit.scoreDisplayMode)) continue;
      const items = ((audit.details as { items?: Array<Record<string, unknown>> } | undefined)?.items ?? []).slice(0, 5);
      lines.push(
        `  ${id} / ${ref.id} (weight ${ref.weight}): ${audit.score} ${audit.title}${audit.displayValue ? ` - ${audit.displayValue}` : ''}`,
        ...items.map(summarize).filter(Boolean).map((line) => `      ${line}`),
      );
    }
  }
  return lines;
}

type Scores = Record<(typeof CATEGORIES)[number], number>;

describe('Lighthouse', { timeout: 40 * RUN_TIMEOUT }, () => {
  let chrome: { port: number; process: ChildProcess };
  let preview: Child;
  let app: Child;
  let board: BoardData;
  const buildDir = path.join(tempDir('lightweight-lighthouse-'), '_build');

  before(async () => {
    chrome = await startChromium();
    await buildStarterSite(buildDir);
    preview = await startChild(['src/publish/preview.ts'], { BUILD_DIR: buildDir, PORT: '0' }, /Previewing .* at http:\/\/localhost:(\d+)\//);

    // As `DEBUG=off npm start` runs: a secret key, no demo user; a user made with npm run createuser.
    const env = { DEBUG: 'off', SECRET_KEY: 'lighthouse-'.repeat(4), DATABASE_PATH: path.join(tempDir(), 'board.sqlite3'), DATABASE_URL: '', REDIS_URL: '' };
    const user = { username: 'designer', password: 'a long enough password' };
    const created = await runScript('createuser', [user.username, '--password-stdin'], env, `${user.password}\n`);
    assert.equal(created.code, 0, created.stderr);
    app = await startChild(['test/fixtures/app-process.ts'], { ...env, APP_PROCESS_LOG: 'discard' }, /LISTENING (\d+)/);
    board = await seedBoard(app, user);
  });

  after(async () => {
    await stop(app);
    await stop(preview);
    chrome?.process.kill('SIGTERM');
  });

  /** One Lighthouse run: the category scores, printed with every weak audit. */
  async function lighthouseRun(url: string, flags: Flags): Promise<Scores> {
    const result = await lighthouse(
      url,
      { port: chrome.port, output: 'json', logLevel: 'error', throttlingMethod: 'provided', ...flags },
      desktopConfig,
    );
    assert.ok(result, `Lighthouse returned nothing for ${url}`);
    const { lhr } = result;
    assert.equal(lhr.runtimeError, undefined, `${url}: ${lhr.runtimeError?.message}`);
    const scores = Object.fromEntries(CATEGORIES.map((id) => [id, lhr.categories[id]?.score ?? 0])) as Scores;
    const weak = weakAudits(lhr);
    console.log(`${url}: ${CATEGORIES.map((id) => `${id} ${Math.round(scores[id] * 100)}`).join(', ')}${weak.length ? `\n${weak.join('\n')}` : ''}`);
    return scores;
  }

  /**
   * The scores of a page, as failures ('' when it passes). Accessibility,
   * best practices and SEO do not depend on timing. Performance does, and
   * other processes share this machine's few cores: a page short of it is
   * measured again, up to three runs in all, and its best run counts.
   */
  async function audit(url: string, flags: Flags = {}): Promise<string> {
    const scores = await lighthouseRun(url, flags);
    for (let run = 2; run <= 3 && scores.performance < MIN_SCORE; run++) {
      scores.performance = Math.max(scores.performance, (await lighthouseRun(url, flags)).performance);
    }
    return CATEGORIES.filter((id) => scores[id] < (id === 'accessibility' ? 1 : MIN_SCORE))
      .map((id) => `${url}: ${id} ${Math.round(scores[id] * 100)}, under ${id === 'accessibility' ? 100 : MIN_SCORE * 100} (the audits that cost it are printed above)`)
      .join('\n');
  }

  describe('the built site, through npm run preview', () => {
    it('scores every page', { timeout: 12 * RUN_TIMEOUT }, async () => {
      const pages = builtPages(buildDir).filter((file) => file !== '404.html'); // answered with status 404, which SEO counts against it
      assert.ok(pages.length >= 4, pages.join(' '));
      const failures: string[] = [];
      for (const file of pages) failures.push(await audit(preview.url + builtPageUrl(file)));
      assert.equal(failures.filter(Boolean).join('\n'), '');
    });
  });

  describe('the running app (DEBUG off)', () => {
    for (const page of ['/', '/image/', '/api/', '/board/']) {
      it(`scores ${page}`, { timeout: 3 * RUN_TIMEOUT }, async () => assert.equal(await audit(app.url + page), ''));
    }

    it('scores a logged-in sprint board', { timeout: 3 * RUN_TIMEOUT }, async () => {
      // Logged in as the board remembers it: the token in localStorage, kept by Lighthouse (no storage reset).
      const browser = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
      try {
        const page = await browser.contexts()[0]!.newPage();
        await page.goto(`${app.url}/static/img/logo.svg`);
        await page.evaluate((token) => localStorage.setItem('board.token', token), board.token);
        await page.close();
      } finally {
        await browser.close();
      }
      assert.equal(await audit(`${app.url}/board/#sprint/${board.sprint}`, { disableStorageReset: true }), '');
    });
  });
});
