// The YAML shortcut for plain front matter (src/templates/data-text.ts)
// reads exactly what the YAML parser reads, or leaves the text to it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseYamlText } from '../src/templates/data-text.ts';

test('plain front matter reads as the YAML parser reads it', () => {
  const texts = [
    'title: ad cupidatat pariatur ipsum id\n',
    'title: About us\ndescription: Who we are, and why (briefly).\n',
    'title: Ada Lovelace\r\nrole: Design lead\r\n',
    'title: yes\nlayout: no\n',
    'title: True\n',
    'title: null\n',
    'count: 3\n',
    'title: a: b\n',
    'title: words # a comment\n',
    'title: "quoted"\n',
    'title: one\ntitle: two\n',
    'each: team\n\nsort: name\n',
    'tags:\n  - a\n  - b\n',
    '__proto__: x\n',
    '# only a comment\n',
    '',
    'title: it\'s here\n',
    'title:    spaced out   \n',
  ];
  for (const text of texts) {
    let expected: unknown;
    try {
      expected = parse(text, { uniqueKeys: true }) ?? null;
    } catch {
      assert.throws(() => parseYamlText(text), `${JSON.stringify(text)} is refused`);
      continue;
    }
    assert.deepEqual(parseYamlText(text) ?? null, expected, JSON.stringify(text));
  }
});
