// A rebuild after editing some files builds only the pages they affect
// (src/publish/delta.ts): `npm run build` in its own process over a small
// site, edited in every way that qualifies, and in the ways that must fall
// back to a full build. Each build's work is read from its summary (pages
// rendered and reused) and its progress line (how many pages it built), and
// its output is compared, file by file, with a build of the same sources
// without the cache.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openEntryPack, openPartialPack } from '../src/publish/cache-pack.ts';
import { runBuild } from './fixtures/build-process.ts';
import { writeFiles } from './fixtures/site.ts';
import { tempDir } from './helpers.ts';

/** The pages of the site below. */
const PAGES = 7;

function allFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

/** Every file of a site with its bytes. */
const contents = (dir: string) => Object.fromEntries(allFiles(dir).sort().map((file) => [file, readFileSync(path.join(dir, file)).toString('base64')]));

/**
 * A site with a home page listing a collection, a page with its own layout,
 * a page reading data, two posts, two pages under folder defaults whose
 * layout includes a partial, and data no page reads.
 */
function site({ search = false } = {}) {
  const root = tempDir('lightweight-build-delta-');
  const dirs = { PAGES_DIR: path.join(root, 'pages'), TEMPLATES_DIR: path.join(root, 'templates'), STATIC_DIR: path.join(root, 'static') };
  writeFiles(dirs.PAGES_DIR, {
    'index.html': '---\ntitle: Home\n---\n<h1>Home</h1>\n<ul>{% for post in collections.post %}<li><a href="{{ post.url }}">{{ post.title }}</a></li>{% endfor %}</ul>\n<p><a href="/about/">About</a></p>\n',
    'about.md': '---\ntitle: About\nlayout: wide\n---\n\nWe make prototypes.\n',
    'team.html': '---\ntitle: Team\n---\n<ul>{% for member in data.team %}<li>{{ member.name }}</li>{% endfor %}</ul>\n',
    'posts/first.md': '---\ntitle: First post\ntags: post\ndate: 2026-01-01\n---\n\nThe first paragraph.\n\nThe second paragraph.\n',
    'posts/second.md': '---\ntitle: Second post\ntags: post\ndate: 2026-01-02\n---\n\nAnother post.\n',
    'docs/_defaults.yaml': 'layout: docs\n',
    'docs/intro.md': '---\ntitle: Intro\n---\n\nStart here.\n',
    'docs/guide.md': '---\ntitle: Guide\n---\n\nThen read this.\n',
    '_data/team.yaml': '- name: Ada\n- name: Grace\n',
    '_data/plans.yaml': '- name: Free\n',
  });
  writeFiles(dirs.TEMPLATES_DIR, {
    'base.html': `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{{ title }}</title>\n<link rel="stylesheet" href="{{ static('css/site.css') }}">\n</head>\n<body>\n${search ? '{{ search() }}\n' : ''}<main>{% block content %}{{ content | safe }}{% endblock %}</main>\n</body>\n</html>\n`,
    'page.html': '{% extends "base.html" %}',
    'wide.html': '{% extends "base.html" %}{% block content %}<div class="wide">{{ content | safe }}</div>{% endblock %}',
    'docs.html': '{% extends "base.html" %}{% block content %}{{ content | safe }}{% include "_footer.html" %}{% endblock %}',
    '_footer.html': '<footer>The docs</footer>',
    '404.html': '{% extends "base.html" %}{% block content %}<h1>Not found</h1>{% endblock %}',
  });
  writeFiles(dirs.STATIC_DIR, { 'css/site.css': 'body { color: #222; }\n' });
  const buildDir = path.join(root, '_build');
  /**
   * A build with the cache: what it did, and how many pages it built (its progress line): those rendered, and those it
   * had to look at but found in the cache (the index listing posts, when a post changed, whose list came out the same).
   */
  const build = async (env: Record<string, string> = {}) => {
    const result = await runBuild([], { ...dirs, BUILD_DIR: buildDir, ...env });
    assert.equal(result.code, 0, result.stderr);
    const work = /^Built (\d+) pages? \((\d+) rendered, (\d+) reused\)/m.exec(result.stdout);
    assert.ok(work, result.stdout);
    // The last one: a build of the affected pages that finds it must build them all says so twice.
    const built = [...result.stderr.matchAll(/^Building: (\d+) pages?/gm)].at(-1);
    return { ...result, pages: Number(work[1]), rendered: Number(work[2]), reused: Number(work[3]), built: built ? Number(built[1]) : 0 };
  };
  /** What a build without the cache writes from the same sources. */
  const fresh = async (env: Record<string, string> = {}) => {
    const dir = path.join(tempDir('lightweight-build-delta-fresh-'), '_build');
    const result = await runBuild([], { ...dirs, BUILD_DIR: dir, BUILD_CACHE: 'off', ...env });
    assert.equal(result.code, 0, result.stderr);
    return contents(dir);
  };
  /** Replace `from` with `to` in a file under `dir`. */
  const edit = (dir: string, file: string, from: string, to: string) => {
    const full = path.join(dir, file);
    const text = readFileSync(full, 'utf8');
    assert.ok(text.includes(from), `${file} has ${from}`);
    writeFileSync(full, text.replace(from, to));
  };
  const read = (file: string) => readFileSync(path.join(buildDir, file), 'utf8');
  return { dirs, buildDir, build, fresh, edit, read };
}

describe('a rebuild after editing some files', () => {
  test('renders an edited page alone, and the index listing a collection when the edit changes what it lists', async () => {
    const { dirs, buildDir, build, fresh, edit, read } = site();
    const first = await build();
    assert.deepEqual([first.rendered, first.reused], [PAGES, 0]);

    edit(dirs.PAGES_DIR, 'about.md', 'We make', 'We draw');
    const about = await build();
    assert.deepEqual([about.pages, about.rendered, about.reused, about.built], [PAGES, 1, PAGES - 1, 2], about.stderr);
    assert.match(read('about/index.html'), /We draw prototypes/);
    assert.deepEqual(contents(buildDir), await fresh());

    edit(dirs.PAGES_DIR, 'posts/first.md', 'The second paragraph.', 'The second paragraph, longer.');
    const body = await build();
    assert.deepEqual([body.rendered, body.reused], [1, PAGES - 1], 'its listing shows nothing that changed: the index is reused');
    assert.deepEqual(contents(buildDir), await fresh());

    edit(dirs.PAGES_DIR, 'posts/first.md', 'title: First post', 'title: Opening post');
    const title = await build();
    assert.deepEqual([title.rendered, title.reused], [2, PAGES - 2], 'the post and the index listing it');
    assert.match(read('index.html'), /Opening post/);
    assert.deepEqual(contents(buildDir), await fresh());

    const again = await build();
    assert.match(again.stdout, /Nothing changed since the last build/, 'and then it has nothing to do');

    // The cache kept every page through the builds of some pages: a full build finds them all.
    edit(dirs.STATIC_DIR, 'css/site.css', '#222', '#333');
    const full = await build();
    assert.deepEqual([full.rendered, full.reused, full.built], [0, PAGES, PAGES]);
  });

  test('names the page using absolute_url without SITE_URL in every build, until an edit takes it out', async () => {
    const { dirs, buildDir, build, fresh, edit } = site();
    writeFiles(dirs.PAGES_DIR, { 'share.html': `---\ntitle: Share\n---\n<p><a href="{{ '/about/' | absolute_url }}">About</a></p>\n` });
    const notes = (result: { stderr: string }) => result.stderr.split('\n').filter((line) => line.startsWith('Note:'));
    const NOTE = /^Note: pages\/share\.html uses absolute_url, and SITE_URL is not set, so its absolute URLs point at http:\/\/localhost:\d+\./;
    const first = await build();
    assert.equal(notes(first).length, 1, first.stderr);
    assert.match(notes(first)[0]!, NOTE);
    assert.match((await build()).stdout, /Nothing changed/);

    edit(dirs.PAGES_DIR, 'about.md', 'We make', 'We draw');
    const about = await build();
    assert.equal(about.rendered, 1, 'another page edited: the page alone is built');
    assert.deepEqual(notes(about), notes(first));

    edit(dirs.PAGES_DIR, 'share.html', "{{ '/about/' | absolute_url }}", '/about/');
    const plain = await build();
    assert.deepEqual(notes(plain), [], 'the page no longer makes absolute URLs: no note');
    assert.deepEqual(contents(buildDir), await fresh());
  });

  test('renders exactly the pages using an edited layout or include, reading an edited data name, under edited folder defaults', async () => {
    const { dirs, buildDir, build, fresh, edit, read } = site();
    await build();

    edit(dirs.TEMPLATES_DIR, 'wide.html', 'class="wide"', 'class="wider"');
    const layout = await build();
    assert.deepEqual([layout.rendered, layout.reused, layout.built], [1, PAGES - 1, 1], 'the page using the layout');
    assert.match(read('about/index.html'), /class="wider"/);

    edit(dirs.TEMPLATES_DIR, '_footer.html', 'The docs', 'The documentation');
    const include = await build();
    assert.deepEqual([include.rendered, include.reused], [2, PAGES - 2], 'the two pages whose layout includes it');
    assert.match(read('docs/guide/index.html'), /The documentation/);

    edit(dirs.PAGES_DIR, '_data/team.yaml', 'Grace', 'Grace Hopper');
    const data = await build();
    assert.deepEqual([data.rendered, data.reused], [1, PAGES - 1], 'the page reading data.team');
    assert.match(read('team/index.html'), /Grace Hopper/);

    edit(dirs.PAGES_DIR, '_data/plans.yaml', 'Free', 'Gratis');
    const unread = await build();
    assert.deepEqual([unread.rendered, unread.reused], [0, PAGES], 'no page reads data.plans');

    edit(dirs.PAGES_DIR, 'docs/_defaults.yaml', 'layout: docs', 'layout: wide');
    const defaults = await build();
    assert.deepEqual([defaults.rendered, defaults.reused], [2, PAGES - 2], 'the pages of that folder');
    assert.match(read('docs/intro/index.html'), /class="wider"/);
    assert.deepEqual(contents(buildDir), await fresh());

    edit(dirs.TEMPLATES_DIR, '404.html', 'Not found', 'Nothing here');
    const notFound = await build();
    assert.deepEqual([notFound.rendered, notFound.reused], [0, PAGES], 'the 404 page is no page of the count');
    assert.match(read('404.html'), /Nothing here/);

    edit(dirs.TEMPLATES_DIR, 'base.html', '<main>', '<main id="main">');
    const base = await build();
    assert.deepEqual([base.rendered, base.reused], [PAGES, 0], 'every page');
    assert.deepEqual(contents(buildDir), await fresh());
  });

  test('renders a page showing the time every time, and reuses the rest (one showing the year too)', async () => {
    const { dirs, buildDir, build, edit } = site();
    writeFiles(dirs.PAGES_DIR, { 'clock.html': "<p>{{ now('H:i:s.u') }}</p>", 'year.html': "<p>&copy; {{ now('Y') }}</p>" });
    await build();
    const again = await build();
    assert.deepEqual([again.pages, again.rendered, again.reused, again.built], [PAGES + 2, 1, PAGES + 1, 1], again.stderr);
    edit(dirs.PAGES_DIR, 'about.md', 'We make', 'We draw');
    const edited = await build();
    assert.deepEqual([edited.rendered, edited.reused, edited.built], [2, PAGES, 3], 'the clock, the page, and the index found the same');
    assert.match(readFileSync(path.join(buildDir, 'year/index.html'), 'utf8'), new RegExp(`© ${new Date().getFullYear()}|&copy; ${new Date().getFullYear()}`));
  });

  test('falls back to a full build for a static edit, a page added or removed, a permalink added or removed, a hand-edited output, other settings; a bad date fails it', async () => {
    const { dirs, buildDir, build, fresh, edit } = site();
    await build();
    /** A full build: every page built, the cache reusing what it can. */
    const full = async (env: Record<string, string> = {}, pages = PAGES) => {
      const result = await build(env);
      assert.deepEqual([result.pages, result.built], [pages, pages], result.stderr);
      assert.deepEqual(contents(buildDir), await fresh(env));
      return result;
    };

    edit(dirs.STATIC_DIR, 'css/site.css', '#222', '#333');
    assert.equal((await full()).rendered, 0, 'a stylesheet edit renders no page');

    writeFiles(dirs.PAGES_DIR, { 'contact.html': '<h1>Contact</h1>' });
    assert.equal((await full({}, PAGES + 1)).rendered, 1, 'a page added');

    rmSync(path.join(dirs.PAGES_DIR, 'contact.html'));
    await full({}, PAGES);

    edit(dirs.PAGES_DIR, 'team.html', 'title: Team', 'title: Team\npermalink: /people/');
    await full();
    assert.ok(readdirSync(buildDir).includes('people') && !readdirSync(buildDir).includes('team'), 'the page moved');

    edit(dirs.PAGES_DIR, 'team.html', 'title: Team\npermalink: /people/', 'title: Team');
    await full();
    assert.ok(readdirSync(buildDir).includes('team') && !readdirSync(buildDir).includes('people'), 'the page moved back');

    edit(dirs.PAGES_DIR, 'posts/first.md', 'date: 2026-01-01', 'date: someday');
    const badDate = await runBuild([], { ...dirs, BUILD_DIR: buildDir });
    assert.equal(badDate.code, 1);
    assert.match(badDate.stderr, /posts\/first\.md, line 4: date: "someday" is not a date/);
    edit(dirs.PAGES_DIR, 'posts/first.md', 'date: someday', 'date: 2026-01-01');
    await full();

    edit(dirs.PAGES_DIR, 'docs/intro.md', 'title: Intro', 'title: Intro\ndraft: true');
    await full({}, PAGES - 1);

    const about = path.join(buildDir, 'about/index.html');
    writeFileSync(about, readFileSync(about, 'utf8').replace('We make', 'We fake'));
    edit(dirs.PAGES_DIR, 'posts/second.md', 'Another post.', 'Another post, edited.');
    await full({}, PAGES - 1);

    edit(dirs.PAGES_DIR, 'posts/second.md', 'edited', 'edited twice');
    await full({ SITE_URL: 'https://example.com' }, PAGES - 1);
    assert.ok(readdirSync(buildDir).includes('sitemap.xml'));
  });

  test('falls back to a full build when an edited page shows other placeholder images, so the one no page shows goes', async () => {
    const { dirs, buildDir, build, fresh, edit } = site();
    edit(dirs.PAGES_DIR, 'about.md', 'We make prototypes.', 'We make prototypes.\n\n<img src="/image/100x50/" alt="A placeholder">');
    await build();
    assert.ok(readdirSync(path.join(buildDir, 'image')).includes('100x50.png'));

    edit(dirs.PAGES_DIR, 'about.md', 'We make', 'We draw');
    const text = await build();
    assert.deepEqual([text.rendered, text.built], [1, 2], 'the same image: a build of the page');

    edit(dirs.PAGES_DIR, 'about.md', '/image/100x50/', '/image/120x60/');
    const image = await build();
    // Rendered while building the affected pages, which found the other image; the full build reuses it.
    assert.match(image.stderr, /^Building: 2 pages \(1 rendered, 1 reused\)/m);
    assert.deepEqual([image.pages, image.rendered, image.built], [PAGES, 0, PAGES], image.stderr);
    assert.deepEqual(readdirSync(path.join(buildDir, 'image')).filter((file) => file.endsWith('.png')), ['120x60.png']);
    assert.deepEqual(contents(buildDir), await fresh());
  });

  test('in a site with pages made from data and from collections, builds an edited page alone unless the collections change', async () => {
    const { dirs, buildDir, build, fresh, edit } = site();
    writeFiles(dirs.PAGES_DIR, {
      'people/[member].html': '---\neach: team\n---\n<h1>{{ member.name }}</h1>\n',
      'tags/[tag].html': '---\neach: collections\n---\n<h1>{{ tag.name }}</h1>\n<ul>{% for post in tag.items %}<li>{{ post.title }}</li>{% endfor %}</ul>\n',
    });
    // The pages above, two people, and the one tag (post).
    const pages = PAGES + 3;
    assert.equal((await build()).pages, pages);

    edit(dirs.PAGES_DIR, 'about.md', 'We make', 'We draw');
    const about = await build();
    assert.deepEqual([about.pages, about.rendered, about.built], [pages, 1, 3], 'the page, and the two pages listing a collection (the index, the tag page), found the same');
    assert.deepEqual(contents(buildDir), await fresh());

    edit(dirs.PAGES_DIR, 'posts/second.md', 'tags: post', 'tags: [post, news]');
    const tagged = await build();
    assert.deepEqual([tagged.pages, tagged.built], [pages + 1, pages + 1], 'a new tag: a full build');
    assert.deepEqual(contents(buildDir), await fresh());

    edit(dirs.PAGES_DIR, '_data/team.yaml', '- name: Ada', '- name: Ada\n- name: Alan');
    const data = await build();
    assert.deepEqual([data.pages, data.built], [pages + 2, pages + 2], 'a data edit: a full build');
    assert.deepEqual(contents(buildDir), await fresh());
  });

  test('brings _headers and the search index up to date: a changed inline script has its new hash in the page policy', async () => {
    const { dirs, buildDir, build, fresh, edit, read } = site({ search: true });
    writeFiles(dirs.PAGES_DIR, { 'about.md': '---\ntitle: About\nlayout: wide\n---\n\nWe make prototypes.\n\n<script>console.log("one")</script>\n' });
    const first = await build();
    assert.equal(first.rendered, PAGES);
    assert.match(first.stdout, /Search index of 7 pages/);
    const headers = read('_headers');
    const chunks = allFiles(path.join(buildDir, 'pagefind'));

    edit(dirs.PAGES_DIR, 'about.md', 'We make prototypes.\n\n<script>console.log("one")</script>', 'We draw sketches.\n\n<script>console.log("two")</script>');
    const edited = await build();
    assert.deepEqual([edited.rendered, edited.reused, edited.built], [1, PAGES - 1, 2], edited.stderr);
    assert.match(edited.stdout, /Search index of 7 pages/);
    assert.notEqual(read('_headers'), headers, 'the page policy follows its script');
    assert.notDeepEqual(allFiles(path.join(buildDir, 'pagefind')), chunks, 'the index follows its text');
    assert.deepEqual(contents(buildDir), await fresh(), 'with no chunk of the last index left');
  });
});

describe('the cache pack of a build of some pages', () => {
  test('publishes the plain 404 page without templates/404.html and the template once there is one; a broken one fails the build, naming its line', async () => {
    const { dirs, buildDir, build, fresh, read } = site();
    const template = path.join(dirs.TEMPLATES_DIR, '404.html');
    const own = readFileSync(template, 'utf8');
    rmSync(template);
    const plain = await build();
    assert.match(read('404.html'), /<h1>404 Not Found<\/h1><p>There is no page at this address\.<\/p>/);
    assert.doesNotMatch(plain.stderr, /ERROR/);
    assert.deepEqual(contents(buildDir), await fresh());

    writeFileSync(template, own.replace('{% block content %}', '{% block content %}{{ broken( }}'));
    const broken = await runBuild([], { ...dirs, BUILD_DIR: buildDir });
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /^templates\/404\.html, line 1, column \d+: /m);
    assert.match(read('404.html'), /404 Not Found/, 'the site is left as it was');

    writeFileSync(template, own);
    await build();
    assert.match(read('404.html'), /<h1>Not found<\/h1>/, 'the kept plain page is not taken for the template');
    assert.deepEqual(contents(buildDir), await fresh());
  });

  test('keeps the entries it does not read, appends what it stores, and is written whole again once mostly left over', () => {
    const file = path.join(tempDir('lightweight-pack-'), 'pack');
    const full = openEntryPack(file);
    for (let i = 0; i < 20; i++) full.put(`page${i}`, Buffer.from(`page ${i} `.repeat(1000)));
    full.finish();
    const size = () => readFileSync(file).length;
    const before = size();

    const some = openPartialPack(file);
    assert.equal(some.get('page3')?.toString(), 'page 3 '.repeat(1000));
    some.put('page3', Buffer.from('page 3, edited'));
    some.put('new', Buffer.from('a new page'));
    some.finish();
    assert.ok(size() > before, 'appended, not written again');

    const next = openEntryPack(file);
    assert.equal(next.get('page3')?.toString(), 'page 3, edited');
    assert.equal(next.get('new')?.toString(), 'a new page');
    assert.equal(next.get('page19')?.toString(), 'page 19 '.repeat(1000), 'an entry not read is kept');

    // Stored again and again, the left-over payloads outgrow the live ones: the pack is written whole, with every entry.
    for (let round = 0; round < 4; round++) {
      const again = openPartialPack(file);
      for (let i = 0; i < 20; i++) again.put(`page${i}`, Buffer.from(`round ${round} `.repeat(20_000 + i)));
      again.finish();
    }
    const last = openPartialPack(file);
    assert.equal(last.get('page7')?.toString(), 'round 3 '.repeat(20_007));
    assert.equal(last.get('new')?.toString(), 'a new page');
    last.finish();
    assert.ok(size() < 3 * 20 * 'round 3 '.length * 20_020, `compacted (${size()} bytes)`);

    writeFileSync(file, 'damaged');
    const damaged = openPartialPack(file);
    assert.equal(damaged.get('page7'), null, 'a damaged pack reads as empty');
    damaged.put('page7', Buffer.from('made again'));
    damaged.finish();
    assert.equal(openEntryPack(file).get('page7')?.toString(), 'made again');
  });

  test('a build stopped before it settles leaves the pack as it was, however much it stored', () => {
    const file = path.join(tempDir('lightweight-pack-stopped-'), 'pack');
    const full = openEntryPack(file);
    for (let i = 0; i < 20; i++) full.put(`page${i}`, Buffer.from(`page ${i} `.repeat(1000)));
    full.finish();
    const before = readFileSync(file);

    // More than a piece (a megabyte) stored, and no finish: the process stopped.
    const some = openPartialPack(file);
    for (let i = 0; i < 20; i++) some.put(`page${i}`, Buffer.from(`edited ${i} `.repeat(20_000)));
    assert.equal(some.get('page4')?.toString(), 'edited 4 '.repeat(20_000), 'what it stored is read back before it settles');
    const whole = openEntryPack(file);
    whole.get('page1');
    for (let i = 0; i < 20; i++) whole.put(`other${i}`, Buffer.from(`other ${i} `.repeat(20_000)));
    assert.deepEqual(readFileSync(file), before, 'the pack on disk is untouched');
    assert.equal(openEntryPack(file).get('page19')?.toString(), 'page 19 '.repeat(1000));

    // Settled, each is the pack: the full one with what it found and stored, big payloads and small.
    whole.finish();
    const next = openEntryPack(file);
    assert.equal(next.get('page1')?.toString(), 'page 1 '.repeat(1000));
    assert.equal(next.get('other13')?.toString(), 'other 13 '.repeat(20_000));
    assert.equal(next.get('page2'), null, 'an entry the full build did not use is gone');
  });

  test("the files a stopped build spooled beside a pack are removed by the next build that writes it, a running build's are not", () => {
    const dir = tempDir('lightweight-pack-leftovers-');
    const file = path.join(dir, 'pack');
    // A process that has ended: its pid names nothing running.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const running = process.ppid;
    const leftovers = [`pack.${gone}-1.tmp`, `pack.${gone}-2.added`];
    const kept = [`pack.${running}-1.tmp`, `pack.${running}-3.added`, `other.${gone}-1.tmp`, `pack.${gone}-1.json`];
    for (const name of [...leftovers, ...kept]) writeFileSync(path.join(dir, name), 'left over');

    const pack = openEntryPack(file);
    assert.deepEqual(readdirSync(dir).sort(), [...leftovers, ...kept].sort(), 'a build that only reads removes nothing');
    pack.put('page1', Buffer.from('page 1'));
    pack.finish();
    assert.deepEqual(readdirSync(dir).sort(), ['pack', ...kept].sort());
    writeFileSync(path.join(dir, `pack.${gone}-5.added`), 'left over');
    const some = openPartialPack(file);
    some.put('page2', Buffer.from('page 2'));
    some.finish();
    assert.deepEqual(readdirSync(dir).sort(), ['pack', ...kept].sort());
    assert.equal(openEntryPack(file).get('page2')?.toString(), 'page 2');
  });

  test('a full build that finds every entry where it was writes nothing; one that differs part-way keeps what it found before', () => {
    const file = path.join(tempDir('lightweight-pack-same-'), 'pack');
    const first = openEntryPack(file);
    // More than a piece (a megabyte) of them, so that what is the same is copied in pieces too.
    for (let i = 0; i < 30; i++) first.put(`page${i}`, Buffer.from(`page ${i} `.repeat(10_000)));
    first.finish();
    const written = statSync(file);

    const again = openEntryPack(file);
    for (let i = 0; i < 30; i++) assert.equal(again.get(`page${i}`)?.toString(), `page ${i} `.repeat(10_000));
    again.finish();
    assert.equal(statSync(file).mtimeMs, written.mtimeMs, 'not written again');
    assert.equal(statSync(file).ino, written.ino);

    const edited = openEntryPack(file);
    for (let i = 0; i < 20; i++) edited.get(`page${i}`);
    edited.put('page20', Buffer.from('page 20, edited'));
    edited.finish();
    const next = openEntryPack(file);
    for (let i = 0; i < 20; i++) assert.equal(next.get(`page${i}`)?.toString(), `page ${i} `.repeat(10_000), `page${i}`);
    assert.equal(next.get('page20')?.toString(), 'page 20, edited');
    assert.equal(next.get('page21'), null, 'not used by the last build');
  });
});
