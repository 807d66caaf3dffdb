// Blogs in the page model: collections and tags, page dates and the date
// filter, drafts, permalinks and their clash error, pagination, and text
// pages (.xml, .json, .txt), through the real app over HTTP and the real
// build in its own process.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listPages } from '../src/pages/files.ts';
import { formatDate } from '../src/templates/date-format.ts';
import { runBuild, startApp, tempDir, type Running } from './helpers.ts';
import { NAV_PAGES, writeFiles } from './fixtures/site.ts';

const HTML = { accept: 'text/html' };
const JSON_ONLY = { accept: 'application/json' };

function makePages(files: Record<string, string>): { pagesDir: string; env: Record<string, string> } {
  const pagesDir = path.join(tempDir('lightweight-collections-'), 'pages');
  writeFiles(pagesDir, { ...NAV_PAGES, ...files });
  return { pagesDir, env: { SERVICES: 'pages', PAGES_DIR: pagesDir } };
}

const get = (app: Running, urlPath: string, headers: Record<string, string> = HTML) => fetch(app.url + urlPath, { headers, redirect: 'manual' });
const mainOf = (html: string) => /<main>([\s\S]*)<\/main>/.exec(html)![1]!.trim();
const textAt = async (app: Running, urlPath: string) => {
  const res = await get(app, urlPath);
  assert.equal(res.status, 200, `${urlPath}: ${res.status}`);
  return mainOf(await res.text());
};

const post = (front: string[], body = 'The first paragraph, with **bold** text.\n\nThe second paragraph.') => ['---', ...front, '---', body, ''].join('\n');

/** A line per item of a collection: title|url|date|slug|tags|excerpt. */
const LISTING = "{% for p in collections[which] %}{{ p.title }}|{{ p.url }}|{{ p.date | date('Y-m-d') }}|{{ p.slug }}|{{ p.tags | join(',') }}|{{ p.excerpt }}\n{% endfor %}";

const BLOG = {
  'blog/_defaults.yaml': 'tags: [post]\n',
  'blog/beta.md': post(['title: Beta', 'date: 2026-01-10']),
  'blog/alpha.md': post(['title: Alpha', 'date: 2026-01-10', 'tags: [post, css]']),
  'blog/late.md': post(['title: Late', 'date: 2025-12-31T23:30:00-02:00']),
  'blog/undated.md': post(['title: Undated'], '# A heading first\n\nUndated {{ "text" }} comes after.'),
  'blog/early.html': post(['title: Early', 'date: 2025-06-01'], '<h2>Early</h2>\n<p>An <em>HTML</em> &amp; page.</p>'),
  'blog/secret.md': post(['title: Secret', 'date: 2025-01-01', 'draft: true']),
  'blog/moved.md': post(['title: Moved', 'date: 2026-02-01', 'permalink: /2026/moved-here/', 'excerpt: Said in front matter.']),
  'list-post.html': `{% set which = 'post' %}${LISTING}`,
  'list-css.html': `{% set which = 'css' %}${LISTING}`,
  'count.html': '{{ collections.all | length }} pages; {{ collections.post | length }} posts',
  'dated.md': post(['title: Dated', 'date: 2026-03-01'], "{{ date | date('D MMMM YYYY') }}; {{ date | date('N j, Y') }}; {{ date | date('rfc3339') }}; {{ date }}"),
  'archive.html': post(['title: Archive', 'paginate: collections.post', 'size: 2'], "{{ pagination.page }}/{{ pagination.pages }} prev={{ pagination.previous }} next={{ pagination.next }} [{% for p in pagination.items %}{{ p.title }};{% endfor %}] {{ pagination.urls | join(' ') }}"),
  'newest.html': post(['paginate: collections.post', 'size: 4', 'reverse: true'], '{% for p in pagination.items %}{{ p.title }};{% endfor %}'),
  'tags/[tag].html': post(['each: collections'], '{{ tag.name }}: {% for p in tag.items %}{{ p.title }};{% endfor %}'),
  'links.html': "{{ url('page', 'blog/moved') }} {{ url('page', 'archive/page/2') }} {{ url('page', 'feed.xml') }} {{ url('page', 'tags/css') }}",
  'feed.xml': post(['title: ignored'], "<?xml version=\"1.0\"?>\n<titles>{% for p in collections.post %}<t>{{ p.title }}</t>{% endfor %}</titles>"),
  'data/posts.json': '{{ collections.post | map("title") | dump | safe }}',
  'notes.txt': 'Posts: {{ collections.post | length }} & counting',
};
// nunjucks has no map filter: the JSON page lists titles itself.
BLOG['data/posts.json'] = '[{% for p in collections.post %}{{ p.title | dump | safe }}{% if not loop.last %},{% endif %}{% endfor %}]';

const POST_ORDER = ['Early', 'Late', 'Alpha', 'Beta', 'Moved', 'Undated'];

describe('collections, dates, drafts, permalinks, pagination and text pages in the app', () => {
  let app: Running;
  let pagesDir: string;
  before(async () => {
    const made = makePages(BLOG);
    pagesDir = made.pagesDir;
    app = await startApp({ ...made.env, DEBUG: 'on', SITE_URL: 'https://blog.example.com' });
  });
  after(() => app.close());

  it('puts tagged pages in collections sorted by date, then title, undated last, with url, date, slug, tags and excerpt', async () => {
    const lines = (await textAt(app, '/list-post/')).split('\n');
    assert.deepEqual(lines.map((line) => line.split('|')[0]), POST_ORDER);
    assert.deepEqual(lines[0]!.split('|'), ['Early', '/blog/early/', '2025-06-01', 'early', 'post', 'An HTML &amp; page.']);
    // An ISO date with a zone is the same instant, shown in UTC.
    assert.deepEqual(lines[1]!.split('|').slice(0, 3), ['Late', '/blog/late/', '2026-01-01']);
    assert.deepEqual(lines[2]!.split('|'), ['Alpha', '/blog/alpha/', '2026-01-10', 'alpha', 'post,css', 'The first paragraph, with bold text.']);
    assert.deepEqual(lines[4]!.split('|').slice(1, 2).concat(lines[4]!.split('|').slice(5)), ['/2026/moved-here/', 'Said in front matter.']);
    assert.deepEqual(lines[5]!.split('|').slice(2), ['', 'undated', 'post', 'Undated comes after.'], 'no date, and the first paragraph without template syntax');
    assert.deepEqual((await textAt(app, '/list-css/')).split('\n').map((line) => line.split('|')[0]), ['Alpha']);
  });

  it('has every page in collections.all, drafts and pages made from collections left out', async () => {
    // NAV_PAGES (8, feed.xml among them) + 6 published posts + list-post, list-css, count, dated, archive, newest, links, posts.json, notes.txt.
    assert.equal(await textAt(app, '/count/'), '23 pages; 6 posts');
  });

  it("gives a page its own date and formats it with the date filter: tokens, Django's letters, rfc3339", async () => {
    assert.match(await textAt(app, '/dated/'), /<p>1 March 2026; March 1, 2026; 2026-03-01T00:00:00Z; 2026-03-01<\/p>/);
  });

  it('serves a draft nowhere outside npm run dev, and url() says it is a draft', async () => {
    assert.equal((await get(app, '/blog/secret/')).status, 404);
    assert.ok(!listPages(pagesDir).some((page) => page.slug === 'blog/secret'));
    writeFiles(pagesDir, { 'to-draft.html': "{{ url('page', 'blog/secret') }}" });
    const problem = await (await get(app, '/to-draft/', JSON_ONLY)).json();
    assert.match(problem.detail, /blog\/secret is a draft \(draft: true\)/);
  });

  it('serves a page at its permalink, not at its file URL, and url() finds it there', async () => {
    assert.match(await textAt(app, '/2026/moved-here/'), /The first paragraph/);
    assert.equal((await get(app, '/blog/moved/')).status, 404);
    assert.equal(await textAt(app, '/links/'), '/2026/moved-here/ /archive/page/2/ /feed.xml /tags/css/');
  });

  it('renders a paginated page once per slice, with its items and links', async () => {
    assert.equal(await textAt(app, '/archive/'), '1/3 prev= next=/archive/page/2/ [Early;Late;] /archive/ /archive/page/2/ /archive/page/3/');
    assert.equal(await textAt(app, '/archive/page/2/'), '2/3 prev=/archive/ next=/archive/page/3/ [Alpha;Beta;] /archive/ /archive/page/2/ /archive/page/3/');
    assert.equal(await textAt(app, '/archive/page/3/'), '3/3 prev=/archive/page/2/ next= [Moved;Undated;] /archive/ /archive/page/2/ /archive/page/3/');
    assert.equal((await get(app, '/archive/page/4/')).status, 404);
    assert.equal((await get(app, '/archive/page/1/')).status, 404);
    assert.equal((await get(app, '/archive/page/2')).headers.get('location'), '/archive/page/2/');
    assert.equal(await textAt(app, '/newest/'), 'Undated;Moved;Beta;Alpha;');
  });

  it('makes a page per tag with each: collections', async () => {
    assert.equal(await textAt(app, '/tags/css/'), 'css: Alpha;');
    assert.equal(await textAt(app, '/tags/post/'), `post: ${POST_ORDER.join(';')};`);
  });

  it('serves text pages with their type, without a layout, at their own name', async () => {
    const feed = await get(app, '/feed.xml');
    assert.equal(feed.headers.get('content-type'), 'application/xml; charset=utf-8');
    assert.equal(await feed.text(), `<?xml version="1.0"?>\n<titles>${POST_ORDER.map((t) => `<t>${t}</t>`).join('')}</titles>\n`);
    const json = await get(app, '/data/posts.json');
    assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await json.json(), POST_ORDER);
    const text = await get(app, '/notes.txt');
    assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await text.text(), 'Posts: 6 & counting');
    assert.equal((await get(app, '/feed.xml/')).headers.get('location'), '/feed.xml');
  });
});

describe('mistakes in collections, permalinks and pagination', () => {
  it('two pages claiming one URL is an error naming both files, in the app and in the listing the build uses', async () => {
    const { pagesDir, env } = makePages({
      'one.md': post(['permalink: /same/']),
      'two.md': post(['permalink: /same/']),
      'same.html': '<p>The file at /same/ itself.</p>',
    });
    const app = await startApp({ ...env, DEBUG: 'on' });
    try {
      const res = await get(app, '/same/', JSON_ONLY);
      assert.equal(res.status, 500);
      const { detail } = await res.json();
      assert.match(detail, /pages\/(one|two|same)\.(md|html).*pages\/(one|two|same)\.(md|html) is at \/same\/ too/);
    } finally {
      await app.close();
    }
    assert.throws(() => listPages(pagesDir), /pages\/\w+\.(md|html): pages\/\w+\.(md|html) is at \/same\/ too; two pages cannot have one URL/);
  });

  it('names the file and line of a permalink, tags, date, paginate or size that cannot be used', async () => {
    const { env } = makePages({
      'bad-permalink.md': post(['title: x', 'permalink: blog/no-slash']),
      'bad-tags.md': post(['title: x', 'tags: {a: 1}']),
      'bad-date.md': post(['title: x', 'date: next tuesday']),
      'bad-paginate.md': post(['title: x', 'paginate: nothing.here']),
      'bad-size.md': post(['title: x', 'paginate: collections.all', 'size: 0']),
      'layout.xml': post(['layout: page'], '<x/>'),
    });
    const app = await startApp({ ...env, DEBUG: 'on' });
    try {
      const problem = async (url: string) => {
        const res = await get(app, url, JSON_ONLY);
        assert.equal(res.status, 500, `${url}: ${res.status} ${await res.clone().text()}`);
        return (await res.json()) as { detail: string; file: string; line: number };
      };
      let p = await problem('/bad-permalink/');
      assert.deepEqual([p.file, p.line], ['pages/bad-permalink.md', 3]);
      assert.match(p.detail, /permalink: "blog\/no-slash" is not a URL path of this site; write one like \/blog\/2026\/hello\//);
      p = await problem('/bad-tags/');
      assert.deepEqual([p.file, p.line], ['pages/bad-tags.md', 3]);
      p = await problem('/bad-date/');
      assert.deepEqual([p.file, p.line], ['pages/bad-date.md', 3]);
      assert.match(p.detail, /date: "next tuesday" is not a date/);
      p = await problem('/bad-paginate/');
      assert.deepEqual([p.file, p.line], ['pages/bad-paginate.md', 3]);
      assert.match(p.detail, /paginate: nothing.here names no data/);
      p = await problem('/bad-size/');
      assert.deepEqual([p.file, p.line], ['pages/bad-size.md', 4]);
      p = await problem('/layout.xml');
      assert.match(p.detail, /\.xml pages are served as they render, without a layout/);
      // The other pages still render.
      assert.equal((await get(app, '/about/')).status, 200);
    } finally {
      await app.close();
    }
  });
});

describe('drafts in npm run dev', () => {
  it('shows a draft, marked, and keeps it out of collections', async () => {
    const { env } = makePages({
      'blog/secret.md': post(['title: Secret', 'tags: post', 'draft: true']),
      'blog/open.md': post(['title: Open', 'tags: post']),
      'list.html': '{% for p in collections.post %}{{ p.title }};{% endfor %}',
    });
    const app = await startApp(env, { dev: true });
    try {
      const res = await get(app, '/blog/secret/');
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /<aside class="lw-draft" aria-label="Draft"><p><strong>Draft\.<\/strong>[\s\S]*<\/aside>[\s\S]*<\/body>/);
      assert.match(html, /The first paragraph/);
      assert.doesNotMatch(await (await get(app, '/blog/open/')).text(), /lw-draft/);
      assert.match(await (await get(app, '/list/')).text(), /<main>\s*Open;\s*<\/main>/);
    } finally {
      await app.close();
    }
  });
});

describe('dates in one place', () => {
  it('formats Moment tokens, Django letters and rfc3339 with one function, in UTC when asked', () => {
    const date = new Date(Date.UTC(2026, 2, 1, 9, 5, 7));
    assert.equal(formatDate(date, 'D MMMM YYYY', { utc: true }), '1 March 2026');
    assert.equal(formatDate(date, 'dddd, Do MMM YY [at] HH:mm:ss', { utc: true }), 'Sunday, 1st Mar 26 at 09:05:07');
    assert.equal(formatDate(date, 'DD/MM/YYYY h A', { utc: true }), '01/03/2026 9 AM');
    assert.equal(formatDate(date, 'N j, Y', { utc: true }), 'March 1, 2026');
    assert.equal(formatDate(date, 'rfc3339', { utc: true }), '2026-03-01T09:05:07Z');
  });
});

describe('the build writes every page of them', () => {
  it('writes slices, permalinks, tag pages and text pages as their files, and leaves drafts out', async () => {
    const { env } = makePages(BLOG);
    const buildDir = path.join(tempDir('lightweight-collections-build-'), '_build');
    const result = await runBuild({ ...env, BUILD_DIR: buildDir, BUILD_CACHE: 'off' });
    assert.equal(result.code, 0, result.stderr);
    for (const file of ['archive/index.html', 'archive/page/2/index.html', 'archive/page/3/index.html', '2026/moved-here/index.html', 'tags/css/index.html', 'tags/post/index.html', 'feed.xml', 'data/posts.json', 'notes.txt']) {
      assert.ok(existsSync(path.join(buildDir, file)), file);
    }
    for (const file of ['blog/secret/index.html', 'blog/moved/index.html', 'feed.xml/index.html']) assert.ok(!existsSync(path.join(buildDir, file)), file);
    assert.deepEqual(JSON.parse(readFileSync(path.join(buildDir, 'data/posts.json'), 'utf8')), POST_ORDER);
    assert.match(readFileSync(path.join(buildDir, 'archive/page/2/index.html'), 'utf8'), /2\/3 prev=\/archive\/ next=\/archive\/page\/3\//);
  });
});
