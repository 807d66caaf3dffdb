// A rebuild with nothing changed does nothing (src/publish/last-build.ts):
// `npm run build` in its own process over a small site, again and again.
// Each build says whether it found nothing changed; the tests make every
// kind of change it must notice, including those that keep a file's size
// and modification time, and check that each is built for real, to the
// bytes a build without the cache writes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildCacheDirFrom } from '../src/publish/config.ts';
import { ROOT } from '../src/settings.ts';
import { runBuild } from './fixtures/build-process.ts';
import { writeFiles } from './fixtures/site.ts';
import { tempDir } from './helpers.ts';

const SKIPPED = /^ {2}Nothing changed since the last build/m;
/** A modification time for every source file, in seconds. */
const SOME_TIME = 1_700_000_000;

function allFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

/** Every file of a site with its bytes. */
const contents = (dir: string) => Object.fromEntries(allFiles(dir).sort().map((file) => [file, readFileSync(path.join(dir, file)).toString('base64')]));

/** Every file of a site with what a write changes. */
const stamps = (dir: string) => Object.fromEntries(allFiles(dir).map((file) => [file, `${statSync(path.join(dir, file)).mtimeMs} ${statSync(path.join(dir, file)).ino}`]));

function site() {
  const root = tempDir('lightweight-build-unchanged-');
  const dirs = { PAGES_DIR: path.join(root, 'pages'), TEMPLATES_DIR: path.join(root, 'templates'), STATIC_DIR: path.join(root, 'static') };
  writeFiles(dirs.PAGES_DIR, {
    'index.html': '---\ntitle: Home\n---\n<h1>Home</h1>\n<p><a href="/about/">About</a></p>\n',
    'about.md': `---\ntitle: About\n---\n\n${'We make prototypes. '.repeat(80)}\n`,
  });
  writeFiles(dirs.TEMPLATES_DIR, {
    'base.html': `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{{ title }}</title>\n<link rel="stylesheet" href="{{ static('css/site.css') }}">\n</head>\n<body>\n{% block content %}{{ content | safe }}{% endblock %}\n</body>\n</html>\n`,
    'page.html': '{% extends "base.html" %}',
    '404.html': '{% extends "base.html" %}{% block content %}<h1>Not found</h1>{% endblock %}',
  });
  writeFiles(dirs.STATIC_DIR, { 'css/site.css': 'body { color: #222; }\n' });
  // Whole seconds, so that sameSizeEdit can put a modification time back exactly (a Date holds milliseconds, a file nanoseconds).
  for (const dir of Object.values(dirs)) for (const file of allFiles(dir)) utimesSync(path.join(dir, file), SOME_TIME, SOME_TIME);
  const buildDir = path.join(root, '_build');
  const build = async (env: Record<string, string> = {}, args: string[] = []) => {
    const result = await runBuild(args, { ...dirs, BUILD_DIR: buildDir, ...env });
    assert.equal(result.code, 0, result.stderr);
    return { ...result, skipped: SKIPPED.test(result.stdout) };
  };
  /** Change a file keeping its size, inode and modification time, as a careless tool might: only its change time tells. */
  const sameSizeEdit = (file: string, from: string, to: string) => {
    assert.equal(from.length, to.length);
    const before = statSync(file, { bigint: true });
    const text = readFileSync(file, 'utf8');
    assert.ok(text.includes(from), `${file} has ${from}`);
    writeFileSync(file, text.replace(from, to));
    utimesSync(file, SOME_TIME, SOME_TIME);
    const after = statSync(file, { bigint: true });
    assert.deepEqual([after.size, after.mtimeNs, after.ino], [before.size, before.mtimeNs, before.ino], 'the same size, time and inode');
  };
  /** What a build without the cache writes from the same sources. */
  const fresh = async (env: Record<string, string> = {}) => {
    const dir = path.join(tempDir('lightweight-build-unchanged-fresh-'), '_build');
    const result = await runBuild([], { ...dirs, BUILD_DIR: dir, BUILD_CACHE: 'off', ...env });
    assert.equal(result.code, 0, result.stderr);
    return contents(dir);
  };
  return { dirs, buildDir, build, sameSizeEdit, fresh };
}

describe('a rebuild with nothing changed', () => {
  test('renders nothing and leaves every file of the site as it was, saying so', async () => {
    const { buildDir, build } = site();
    const first = await build();
    assert.equal(first.skipped, false);
    assert.match(first.stdout, /^Built 2 pages \(2 rendered, 0 reused\)/m);
    const before = stamps(buildDir);
    const again = await build();
    assert.equal(again.skipped, true, again.stdout);
    assert.match(again.stdout, /^Built 2 pages \(0 rendered, 2 reused\)/m);
    assert.match(again.stdout, /; 0 written, \d+ unchanged/);
    assert.deepEqual(stamps(buildDir), before);
  });

  test('notices an edit of a page, a template or a static file even when its size and modification time stay the same', async () => {
    const { dirs, buildDir, build, sameSizeEdit, fresh } = site();
    await build();
    assert.equal((await build()).skipped, true);

    sameSizeEdit(path.join(dirs.PAGES_DIR, 'about.md'), 'We make', 'We draw');
    const page = await build();
    assert.equal(page.skipped, false, page.stdout);
    assert.match(page.stdout, /\(1 rendered, 1 reused\)/);
    assert.match(readFileSync(path.join(buildDir, 'about/index.html'), 'utf8'), /We draw prototypes/);
    assert.equal((await build()).skipped, true, 'and then has nothing to do again');

    sameSizeEdit(path.join(dirs.TEMPLATES_DIR, 'base.html'), '<body>', '<BODY>');
    const layout = await build();
    assert.equal(layout.skipped, false);
    assert.match(layout.stdout, /\(2 rendered, 0 reused\)/);

    sameSizeEdit(path.join(dirs.STATIC_DIR, 'css/site.css'), '#222', '#333');
    const sheet = await build();
    assert.equal(sheet.skipped, false);
    assert.ok(Object.keys(JSON.parse(readFileSync(path.join(buildDir, 'manifest.json'), 'utf8'))).includes('static/css/site.css'));

    writeFiles(dirs.PAGES_DIR, { 'contact.html': '<h1>Contact</h1>' });
    const added = await build();
    assert.equal(added.skipped, false);
    assert.match(added.stdout, /^Built 3 pages \(1 rendered, 2 reused\)/m);

    assert.deepEqual(contents(buildDir), await fresh(), 'the same bytes as a build without the cache');
  });

  test('notices a file of the site edited, removed or added by hand, and puts the site back', async () => {
    const { buildDir, build, fresh } = site();
    await build();
    const expected = await fresh();
    const about = path.join(buildDir, 'about/index.html');

    writeFileSync(about, readFileSync(about, 'utf8').replace('We make', 'We fake'));
    assert.equal((await build()).skipped, false, 'an edited file');
    assert.deepEqual(contents(buildDir), expected);

    rmSync(`${about}.br`);
    assert.equal((await build()).skipped, false, 'a removed file');
    assert.deepEqual(contents(buildDir), expected);

    writeFileSync(path.join(buildDir, 'about/notes.txt'), 'mine');
    assert.equal((await build()).skipped, false, 'an added file');
    assert.deepEqual(contents(buildDir), expected);
    assert.equal((await build()).skipped, true);
  });

  test('notices other settings and time zones, and is never taken without the cache, for named pages, or after them', async () => {
    const { buildDir, build, fresh } = site();
    await build();
    const other = await build({ SITE_URL: 'https://example.com' });
    assert.equal(other.skipped, false, 'another SITE_URL');
    assert.deepEqual(contents(buildDir), await fresh({ SITE_URL: 'https://example.com' }));
    assert.equal((await build({ SITE_URL: 'https://example.com' })).skipped, true);
    const zone = await build({ SITE_URL: 'https://example.com', TZ: 'Asia/Tokyo' });
    assert.equal(zone.skipped, false, 'another time zone (dates without one are shown in it)');
    assert.match(zone.stdout, /\(2 rendered, 0 reused\)/, 'and every page is rendered in it');
    assert.equal((await build({ SITE_URL: 'https://example.com', BUILD_CACHE: 'off' })).skipped, false, 'BUILD_CACHE=off');
    assert.equal((await build({ SITE_URL: 'https://example.com' }, ['about'])).skipped, false, 'a build of named pages');
    assert.equal((await build({ SITE_URL: 'https://example.com' })).skipped, false, 'the full build after it');
  });

  test('is found for a site showing what now() gives while it gives the same (the year), never for one showing the time', async () => {
    const { dirs, buildDir, build, fresh } = site();
    writeFiles(dirs.PAGES_DIR, { 'year.html': "<p>&copy; {{ now('Y') }}</p>" });
    await build();
    const again = await build();
    assert.equal(again.skipped, true, again.stdout);
    assert.match(again.stdout, /\(0 rendered, 3 reused\)/);
    assert.deepEqual(contents(buildDir), await fresh(), 'the site as a build without the cache writes it');
    writeFiles(dirs.PAGES_DIR, { 'year.html': "<p>{{ now('H:i:s.u') }}</p>" });
    assert.equal((await build()).skipped, false);
    const timed = await build();
    assert.equal(timed.skipped, false, 'the time has moved since');
    assert.match(timed.stdout, /\(1 rendered, 2 reused\)/);
  });

  test('forgets the record of a site whose folder is gone, once another site is built', async () => {
    const { dirs, build, buildDir } = site();
    const other = path.join(path.dirname(buildDir), '_other');
    const recordOf = (dir: string) => {
      const base = path.join(buildCacheDirFrom({}, ROOT)!, `last-build-${createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16)}`);
      return [`${base}.json`, `${base}.detail.json`, `${base}.site`];
    };
    const kept = (dir: string) => recordOf(dir).map((file) => existsSync(file));
    await build();
    await build({ BUILD_DIR: other });
    assert.deepEqual([kept(buildDir), kept(other)], [[true, true, true], [true, true, true]]);
    assert.equal(readFileSync(recordOf(other)[2]!, 'utf8'), path.resolve(other));

    rmSync(other, { recursive: true });
    writeFileSync(path.join(dirs.PAGES_DIR, 'index.html'), readFileSync(path.join(dirs.PAGES_DIR, 'index.html'), 'utf8').replace('Home</h1>', 'Home page</h1>'));
    assert.equal((await build()).skipped, false);
    assert.deepEqual([kept(buildDir), kept(other)], [[true, true, true], [false, false, false]], 'the gone site forgotten, this one kept');
    assert.equal((await build()).skipped, true, 'and this one still found unchanged');
  });

  test('forgets a record with no site path beside it, as builders before the path was kept wrote them', async () => {
    const { dirs, build } = site();
    await build();
    const cacheDir = buildCacheDirFrom({}, ROOT)!;
    const old = ['last-build-00c0ffee00c0ffee.json', 'last-build-00c0ffee00c0ffee.detail.json'].map((name) => path.join(cacheDir, name));
    for (const file of old) writeFileSync(file, '{}');
    writeFileSync(path.join(dirs.PAGES_DIR, 'index.html'), readFileSync(path.join(dirs.PAGES_DIR, 'index.html'), 'utf8').replace('Home</h1>', 'Home page</h1>'));
    assert.equal((await build()).skipped, false);
    assert.deepEqual(old.map((file) => existsSync(file)), [false, false]);
    assert.equal((await build()).skipped, true, "this site's own record kept");
  });
});
