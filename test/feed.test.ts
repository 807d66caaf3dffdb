// The starter site's Atom feed, built by `npm run build` in its own process
// and read by an XML parser (saxes, strict and namespace-aware): checked
// against the Atom rules (RFC 4287) a validator applies. Then the build cache:
// an edit of one post renders the pages listing it, and the feed, again, and
// a build without the cache writes the same bytes.
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { SaxesParser } from 'saxes';
import { ROOT } from '../src/settings.ts';
import { runBuild, tempDir } from './helpers.ts';

const ATOM = 'http://www.w3.org/2005/Atom';
const SITE = 'https://prototypes.example.com';
const BASE = '/project/';
/** RFC 3339 date-time, as Atom's Date constructs require. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

interface Element {
  name: string;
  uri: string;
  attributes: Record<string, string>;
  children: Element[];
  text: string;
}

/** The document's root element; saxes throws on anything that is not well-formed XML. */
function parseXml(xml: string): Element {
  const parser = new SaxesParser({ xmlns: true });
  const root: Element = { name: '#document', uri: '', attributes: {}, children: [], text: '' };
  const open: Element[] = [root];
  parser.on('opentag', (tag) => {
    const attributes = Object.fromEntries(Object.values(tag.attributes).map((a) => [a.local, a.value]));
    const element: Element = { name: tag.local, uri: tag.uri, attributes, children: [], text: '' };
    open.at(-1)!.children.push(element);
    open.push(element);
  });
  parser.on('text', (text) => (open.at(-1)!.text += text));
  parser.on('closetag', () => open.pop());
  parser.write(xml).close();
  assert.equal(root.children.length, 1, 'one root element');
  return root.children[0]!;
}

const childrenNamed = (element: Element, name: string) => element.children.filter((child) => child.name === name && child.uri === ATOM);
/** The one child of that name (Atom allows exactly one of id, title, updated). */
function only(element: Element, name: string): Element {
  const found = childrenNamed(element, name);
  assert.equal(found.length, 1, `<${element.name}> has exactly one <${name}>`);
  return found[0]!;
}
const isAbsolute = (iri: string) => /^https?:\/\/[^/]+\//.test(iri);

/** `npm run build` of the site under SITE_URL and BASE_PATH. */
const build = (env: Record<string, string>) => runBuild({ SITE_URL: SITE, BASE_PATH: BASE, ...env });

function allFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

describe("the starter site's Atom feed", () => {
  const sources = tempDir('lightweight-feed-');
  const pagesDir = path.join(sources, 'pages');
  const site = path.join(tempDir('lightweight-feed-site-'), '_build');
  let first: Awaited<ReturnType<typeof build>>;
  before(async () => {
    cpSync(path.join(ROOT, 'pages'), pagesDir, { recursive: true });
    first = await build({ PAGES_DIR: pagesDir, BUILD_DIR: site });
  });

  test('is well-formed Atom: feed id, title, updated and self link; each entry with id, title, updated and a link, all absolute under SITE_URL and BASE_PATH', () => {
    assert.equal(first.code, 0, first.stderr);
    const feed = parseXml(readFileSync(path.join(site, 'feed.xml'), 'utf8'));
    assert.deepEqual([feed.name, feed.uri], ['feed', ATOM]);
    const id = only(feed, 'id').text;
    assert.ok(isAbsolute(id), id);
    assert.notEqual(only(feed, 'title').text.trim(), '');
    const updated = only(feed, 'updated').text;
    assert.match(updated, RFC3339);
    const self = childrenNamed(feed, 'link').find((link) => link.attributes.rel === 'self');
    assert.equal(self?.attributes.href, `${SITE}${BASE}feed.xml`);
    // An author for the feed stands for every entry without one.
    assert.ok(childrenNamed(only(feed, 'author'), 'name').length === 1);

    const entries = childrenNamed(feed, 'entry');
    assert.equal(entries.length, 3, 'the three posts');
    const ids = new Set<string>();
    for (const entry of entries) {
      const entryId = only(entry, 'id').text;
      assert.ok(isAbsolute(entryId) && !ids.has(entryId), entryId);
      ids.add(entryId);
      assert.notEqual(only(entry, 'title').text.trim(), '');
      assert.match(only(entry, 'updated').text, RFC3339);
      const alternate = childrenNamed(entry, 'link').filter((link) => (link.attributes.rel ?? 'alternate') === 'alternate');
      assert.equal(alternate.length, 1, 'one alternate link');
      const href = alternate[0]!.attributes.href!;
      assert.ok(href.startsWith(`${SITE}${BASE}blog/`), href);
      // The link is a page the build wrote.
      const file = path.join(site, href.slice(`${SITE}${BASE}`.length), 'index.html');
      assert.ok(readFileSync(file, 'utf8').includes('<article'), file);
    }
    // Newest first, and the feed was updated when its newest entry was.
    const times = entries.map((entry) => Date.parse(only(entry, 'updated').text));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    assert.equal(Date.parse(updated), times[0]);
    assert.ok(ids.has(`${SITE}${BASE}blog/2026/publishing/`), 'the post with a permalink is there at it');
  });

  test('the layout links the feed on every page with <link rel="alternate">', () => {
    for (const page of ['index.html', 'blog/index.html', 'about/index.html']) {
      const html = readFileSync(path.join(site, page), 'utf8');
      assert.match(html, /<link rel="alternate" type="application\/atom\+xml" title="[^"]+" href="\/project\/feed\.xml">/, page);
    }
  });

  test('an edit of one post renders it, the blog index and the tag pages again, and the feed; a build without the cache writes the same bytes', async () => {
    const post = path.join(pagesDir, 'blog/hello-prototypes.md');
    writeFileSync(post, readFileSync(post, 'utf8').replace('title: Hello, prototypes', 'title: Hello again, prototypes'));
    const again = await build({ PAGES_DIR: pagesDir, BUILD_DIR: site });
    assert.equal(again.code, 0, again.stderr);
    // The post, both slices of the blog index, the three tag pages (the home page shows the year with now(): reused).
    assert.match(again.stdout, /^Built 18 pages \(6 rendered, 12 reused\)/m);
    assert.match(readFileSync(path.join(site, 'feed.xml'), 'utf8'), /<title>Hello again, prototypes<\/title>/);
    assert.match(readFileSync(path.join(site, 'blog/page/2/index.html'), 'utf8'), /Hello again, prototypes/);
    assert.match(readFileSync(path.join(site, 'tags/process/index.html'), 'utf8'), /Hello again, prototypes/);

    const fresh = path.join(tempDir('lightweight-feed-fresh-'), '_build');
    const uncached = await build({ PAGES_DIR: pagesDir, BUILD_DIR: fresh, BUILD_CACHE: 'off' });
    assert.equal(uncached.code, 0, uncached.stderr);
    const files = allFiles(fresh).sort();
    assert.deepEqual(allFiles(site).sort(), files);
    for (const file of files) assert.ok(readFileSync(path.join(site, file)).equals(readFileSync(path.join(fresh, file))), file);
  });
});
