// The rules under the filter bar and the person picker (the client's
// filters.ts and people.ts), without a browser: what each filter lets
// through, the URL they make, how people are found and named, and that every
// avatar colour in board.css keeps white initials at AA contrast.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { filterQuery, parseFilters, shows } from '../src/board/client/filters.ts';
import { same } from '../src/board/client/outbox.ts';
import { hueOf, initials, personMatches } from '../src/board/client/people.ts';

const context = { me: 'demo', today: '2030-05-10' };
const task = (fields: Record<string, unknown>) => ({ name: 'A task', description: '', assigned: null, due: null, status: 1, ...fields }) as never;

describe('the filters', () => {
  it('read only the known parameters from the URL, and write them back in one order', () => {
    assert.deepEqual(parseFilters('overdue=1&q=%20login%20&nonsense=3&assignee='), { q: 'login', overdue: '1' });
    assert.equal(filterQuery({ overdue: '1', assignee: 'me', q: 'café menu' }), 'q=caf%C3%A9+menu&assignee=me&overdue=1');
    assert.equal(filterQuery({}), '');
  });

  it('search every word in the name or the description, case and accents aside', () => {
    assert.ok(shows(task({ name: 'Fix the Café menu' }), { q: 'cafe FIX' }, context));
    assert.ok(shows(task({ name: 'Fix it', description: 'the café menu' }), { q: 'menu fix' }, context));
    assert.ok(!shows(task({ name: 'Fix the menu' }), { q: 'menu login' }, context));
  });

  it('take "me", "nobody" and a username for the assignee', () => {
    assert.ok(shows(task({ assigned: 'demo' }), { assignee: 'me' }, context));
    assert.ok(!shows(task({ assigned: 'ada' }), { assignee: 'me' }, context));
    assert.ok(!shows(task({ assigned: 'demo' }), { assignee: 'me' }, { ...context, me: null }), 'no one is "me" until known');
    assert.ok(shows(task({}), { assignee: 'nobody' }, context));
    assert.ok(!shows(task({ assigned: 'ada' }), { assignee: 'nobody' }, context));
    assert.ok(shows(task({ assigned: 'ada' }), { assignee: 'ada' }, context));
  });

  it('take a label id, or "none" for tasks without labels, kept in the URL beside the others', () => {
    assert.ok(shows(task({ labels: [2, 7] }), { label: '7' }, context));
    assert.ok(!shows(task({ labels: [2] }), { label: '7' }, context));
    assert.ok(!shows(task({}), { label: '7' }, context), 'a task the API gave no labels has none');
    assert.ok(shows(task({ labels: [] }), { label: 'none' }, context));
    assert.ok(!shows(task({ labels: [3] }), { label: 'none' }, context));
    assert.deepEqual(parseFilters('label=4&q=x'), { q: 'x', label: '4' });
    assert.equal(filterQuery({ overdue: '1', label: '4', assignee: 'me' }), 'assignee=me&label=4&overdue=1');
  });

  it('compare list fields by their items, as a waiting write must (JSON gives new arrays)', () => {
    assert.ok(same([1, 4], [1, 4]));
    assert.ok(!same([1, 4], [4]));
    assert.ok(same([], undefined), 'no labels and an absent list are the same');
    assert.ok(same(null, undefined));
    assert.ok(!same('a', 'b'));
  });

  it('count a task overdue when its date has passed and it is not done', () => {
    assert.ok(shows(task({ due: '2030-05-09' }), { overdue: '1' }, context));
    assert.ok(!shows(task({ due: '2030-05-10' }), { overdue: '1' }, context), 'due today is not overdue yet');
    assert.ok(!shows(task({ due: '2030-05-09', status: 4 }), { overdue: '1' }, context), 'done is never overdue');
    assert.ok(!shows(task({}), { overdue: '1' }, context));
  });
});

describe('people', () => {
  it('have two initials, from the first and last names or else the username', () => {
    assert.equal(initials({ username: 'ada', full_name: 'Ada King Lovelace' }), 'AL');
    assert.equal(initials({ username: 'zoe', full_name: 'zoë' }), 'ZO');
    assert.equal(initials({ username: 'grace', full_name: ' ' }), 'GR');
  });

  it('are found by any part of the full name or the username, accents aside', () => {
    const zoe = { username: 'zangstrom', full_name: 'Zoë Ångström', is_active: true };
    for (const typed of ['zoe', 'ANGSTR', 'zang', '  ', 'ë Å']) assert.ok(personMatches(zoe, typed), typed);
    assert.ok(!personMatches(zoe, 'bob'));
  });

  it('keep their colour, and every colour keeps white initials at 4.5:1 or more', () => {
    assert.equal(hueOf('ada'), hueOf('ada'));
    const css = readFileSync(new URL('../src/board/client/board.css', import.meta.url), 'utf8');
    const colours = [...css.matchAll(/\.avatar\.hue-(\d) \{ background: (#[0-9a-f]{6}); \}/g)];
    assert.equal(colours.length, 8);
    assert.ok(new Set(Array.from({ length: 200 }, (_, i) => hueOf(`user${i}`))).size === 8, 'every colour is used');
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    for (const [, hue, hex] of colours) assert.ok(1.05 / (luminance(hex!) + 0.05) >= 4.5, `hue ${hue} (${hex})`);
  });
});
