// The `_headers` file (src/publish/headers.ts), read the way Netlify and
// Cloudflare Pages read it: one rule for a folder of pages sharing a policy
// (Cloudflare Pages takes 100 rules), each page its own rule otherwise, no
// two rules below the site-wide one matching the same path; and the build's
// summary saying when Cloudflare Pages would drop rules or lines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { headersFile } from '../src/publish/headers.ts';
import { formatSummary, type Summary } from '../src/publish/report.ts';
import { headersFor, parseHeadersFile } from './fixtures/headers-file.ts';

const PLAIN = "default-src 'none'; script-src 'self'";
const WITH_SCRIPT = "default-src 'none'; script-src 'self' 'sha256-abc'";

/** The site's files, each page with its policy; `_headers` for them, parsed. */
function headersOf(pages: Record<string, string>, others: string[] = []) {
  const files = [...Object.keys(pages), ...others].flatMap((file) => [file, `${file}.gz`, `${file}.br`]);
  const written = headersFile(files, '/', (page) => pages[page], '404.html');
  const rules = parseHeadersFile(written.text);
  /** The headers a request for `path` gets, without the site-wide ones. */
  const own = (path: string) => headersFor(new Map([...rules].filter(([pattern]) => pattern !== '/*')), path);
  return { written, rules, own };
}

const posts = (n: number, policy = PLAIN) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`posts/post-${i}/index.html`, policy]));

describe('_headers', () => {
  test('gives a folder of pages sharing the 404 page’s policy one rule, and each page its headers once', () => {
    const { written, rules, own } = headersOf({ 'index.html': PLAIN, '404.html': PLAIN, ...posts(500) }, ['static/site.01234567.css']);
    assert.deepEqual([...rules.keys()], ['/*', '/', '/404.html', '/posts/*', '/static/*']);
    assert.equal(written.rules, 5);
    for (const path of ['/posts/post-0/', '/posts/post-499/', '/']) {
      assert.deepEqual(own(path), [['Cache-Control', 'no-cache'], ['Cross-Origin-Resource-Policy', 'same-origin'], ['Content-Security-Policy', PLAIN]], path);
    }
    assert.deepEqual(own('/static/site.01234567.css'), [['Cache-Control', 'public, max-age=31536000, immutable'], ['Cross-Origin-Resource-Policy', 'same-origin']]);
  });

  test('gives each page its own rule where the pages of a folder differ, or differ from the 404 page', () => {
    const mixed = headersOf({ '404.html': PLAIN, ...posts(3), 'posts/post-1/index.html': WITH_SCRIPT });
    // The folder of each page with the common policy is its own.
    assert.deepEqual([...mixed.rules.keys()], ['/*', '/404.html', '/posts/post-0/*', '/posts/post-1/', '/posts/post-2/*']);
    assert.deepEqual(mixed.own('/posts/post-1/').at(-1), ['Content-Security-Policy', WITH_SCRIPT]);
    // A missing page under a folder rule is answered with the 404 page and the folder's headers: both policies apply.
    const notFoundDiffers = headersOf({ '404.html': WITH_SCRIPT, ...posts(3) });
    assert.deepEqual([...notFoundDiffers.rules.keys()], ['/*', '/404.html', '/posts/post-0/', '/posts/post-1/', '/posts/post-2/']);
    // A page and a file cached otherwise in one folder.
    const withFeed = headersOf({ '404.html': PLAIN, ...posts(2) }, ['posts/feed.xml']);
    assert.deepEqual([...withFeed.rules.keys()], ['/*', '/404.html', '/posts/feed.xml', '/posts/post-0/*', '/posts/post-1/*']);
  });

  test('never lets two rules below the site-wide one match a file', () => {
    const pages = { 'index.html': PLAIN, '404.html': PLAIN, ...posts(4), 'posts/post-2/index.html': WITH_SCRIPT, 'docs/a/index.html': PLAIN, 'docs/b/index.html': PLAIN };
    const { own } = headersOf(pages, ['docs/diagram.png', 'static/app.01234567.js']);
    for (const file of [...Object.keys(pages), 'docs/diagram.png', 'static/app.01234567.js']) {
      const path = `/${file.replace(/index\.html$/, '')}`;
      assert.equal(own(path).filter(([name]) => name === 'Cache-Control').length, 1, path);
    }
  });

  test('is said in the summary when Cloudflare Pages would take less of it than Netlify', () => {
    const summary = (headers: Summary['headers']): string =>
      formatSummary({ pages: 1, rendered: 1, reused: 0, assets: 0, images: 0, searchIndexed: 0, headers, bytes: { files: 1, unchanged: 0, raw: 1, gzip: 1, brotli: 1 }, seconds: 1, buildDir: '_build' });
    assert.doesNotMatch(summary({ rules: 100, longestLine: 2000 }), /Note/);
    assert.match(summary({ rules: 1001, longestLine: 300 }), /^ {2}Note: _headers has 1001 rules, and Cloudflare Pages takes 100 at most \(Netlify takes them all\)\. .*put the pages at the top of pages\/ in folders/m);
    assert.match(summary({ rules: 5, longestLine: 2400 }), /^ {2}Note: _headers has a line of 2400 characters, and Cloudflare Pages takes 2000 at most/m);
  });

  test('says so for a site of a thousand pages at the top of pages/, and not for the same pages in a folder', () => {
    const top = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`page-${i}/index.html`, PLAIN]));
    assert.equal(headersOf({ '404.html': PLAIN, ...top }).written.rules, 1002);
    assert.equal(headersOf({ '404.html': PLAIN, ...posts(1000) }).written.rules, 3);
  });
});
