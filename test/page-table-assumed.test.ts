// A build of the pages some edits affect renders them without reading every
// page: the table of pages is taken from the last build (files.ts `assume`)
// unless an edit moved a page, and the collections are made only when a
// template reads them (reads.ts `trackedData`). Real files, real nunjucks.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import nunjucks from 'nunjucks';
import { createPageIndex, listPages } from '../src/pages/files.ts';
import { trackedData } from '../src/pages/reads.ts';
import { writeFiles } from './fixtures/site.ts';
import { tempDir } from './temp-dir.ts';

function pagesDir(files: Record<string, string> = {}): string {
  const dir = path.join(tempDir('lightweight-assumed-'), 'pages');
  writeFiles(dir, {
    'index.md': '---\ntitle: Home\n---\n# Home',
    'about.md': '---\ntitle: About\n---\nWe make prototypes.',
    'blog/first.md': '---\ntitle: First\ntags: post\ndate: 2026-01-01\n---\nThe first post.',
    'blog/second.md': '---\ntitle: Second\ntags: post\ndate: 2026-01-02\n---\nThe second post.',
    ...files,
  });
  return dir;
}

describe('the table of pages a build of some pages assumes', () => {
  test('answers find and urlOf from the recorded pages without reading the others, and makes the whole table for the collections', () => {
    const dir = pagesDir();
    const recorded = listPages(dir);
    writeFiles(dir, { 'about.md': '---\ntitle: About us\n---\nWe draw prototypes.' });
    // A file the assumed table never reads: gone from the disk, still a page of the last build.
    rmSync(path.join(dir, 'blog/second.md'));
    const index = createPageIndex(dir, { cached: true });
    assert.equal(index.assume(recorded, [path.join(dir, 'about.md')]), true);
    assert.equal(index.find(['about'])?.file, recorded.find((page) => page.slug === 'about')!.file);
    assert.equal(index.urlOf('blog/second'), '/blog/second/', 'answered from the record');
    assert.deepEqual(index.collections().collections.post!.map((item) => item.url), ['/blog/first/'], 'the collections read the files');
    assert.throws(() => index.urlOf('blog/second'), /there is no page pages\/blog\/second/, 'once made, the whole table answers');
  });

  test('is refused when an edit may have moved a page, or pages are made from data', () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['a permalink added', { 'about.md': '---\ntitle: About\npermalink: /us/\n---\nUs.' }, 'about.md'],
      ['a draft', { 'about.md': '---\ntitle: About\ndraft: true\n---\nUs.' }, 'about.md'],
      ['pagination', { 'about.md': '---\ntitle: About\npaginate: collections.post\n---\nUs.' }, 'about.md'],
      ['a date the table cannot read', { 'blog/first.md': '---\ntitle: First\ndate: someday\n---\nX.' }, 'blog/first.md'],
      ['tags the table cannot read', { 'blog/first.md': '---\ntitle: First\ntags:\n  - [nested]\n---\nX.' }, 'blog/first.md'],
      ['folder defaults edited', { 'blog/_defaults.yaml': 'layout: page\n' }, 'blog/_defaults.yaml'],
      ['a page template made from data', { '[member].md': '---\neach: team\n---\n{{ member.name }}' }, '[member].md'],
    ];
    for (const [what, files, changed] of cases) {
      const dir = pagesDir(what === 'folder defaults edited' ? { 'blog/_defaults.yaml': 'layout: none\n' } : {});
      const recorded = listPages(dir);
      writeFiles(dir, files);
      assert.equal(createPageIndex(dir, { cached: true }).assume(recorded, [path.join(dir, changed)]), false, what);
    }
    // A page recorded at its permalink: removing the permalink moves it back, which only the whole table knows.
    const dir = pagesDir({ 'about.md': '---\ntitle: About\npermalink: /us/\n---\nUs.' });
    const recorded = listPages(dir);
    writeFiles(dir, { 'about.md': '---\ntitle: About\n---\nUs.' });
    assert.equal(createPageIndex(dir, { cached: true }).assume(recorded, [path.join(dir, 'about.md')]), false, 'a permalink removed');
    // Pages made from data in the site: their number follows the collections.
    const generated = listPages(dir).map((page) => ({ ...page, entry: { name: 'member', value: {}, index: 0 } }));
    assert.equal(createPageIndex(dir, { cached: true }).assume(generated, []), false, 'pages made from data');
  });

  test('takes edits of templates, data and page text alike', () => {
    const dir = pagesDir({ '_data/team.yaml': '- name: Ada\n' });
    const recorded = listPages(dir);
    writeFiles(dir, { '_data/team.yaml': '- name: Grace\n', 'blog/first.md': '---\ntitle: First, again\ntags: post\ndate: 2026-01-01\n---\nEdited.' });
    const changed = [path.join(dir, '_data/team.yaml'), path.join(dir, 'blog/first.md'), path.join(path.dirname(dir), 'templates/page.html')];
    assert.equal(createPageIndex(dir, { cached: true }).assume(recorded, changed), true);
  });
});

describe('collections made when first read', () => {
  const env = new nunjucks.Environment(null, { autoescape: true });
  test('are not made for a template that never reads them', () => {
    let made = 0;
    const collections = trackedData(() => (made++, { post: [{ title: 'A' }] }), 'collections');
    assert.equal(env.renderString('<h1>{{ title }}</h1>', { title: 'Plain', collections }), '<h1>Plain</h1>');
    assert.equal(made, 0);
  });

  test('read as the object itself: members, loops over them, length and membership, made once', () => {
    let made = 0;
    const collections = trackedData(() => (made++, { post: [{ title: 'A' }, { title: 'B' }], news: [] }), 'collections');
    const template = '{% for item in collections.post %}{{ item.title }}{% endfor %}|{% for tag, items in collections %}{{ tag }}:{{ items | length }} {% endfor %}|{{ collections | length }}|{{ "post" in collections }}';
    assert.equal(env.renderString(template, { collections }), 'AB|post:2 news:0 |2|true');
    assert.deepEqual(Object.keys(collections), ['post', 'news']);
    assert.equal(JSON.stringify(collections), '{"post":[{"title":"A"},{"title":"B"}],"news":[]}');
    assert.equal(made, 1);
  });
});
