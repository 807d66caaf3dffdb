// Placeholder Latin text, as Django's django.utils.lorem_ipsum makes it, and
// the `{% lorem [count] [w|p|b] [random] %}` tag pages use to print it.
//
// Unlike Django's, the tag's "random" text is drawn from a generator seeded
// by the page and the tag's place in it, so a page keeps its text from one
// request or build to the next, and builds are reproducible.
import { createHash } from 'node:crypto';
import nunjucks from 'nunjucks';

export const COMMON_P =
  'Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore ' +
  'magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo ' +
  'consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. ' +
  'Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.';

export const COMMON_WORDS = [
  'lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipisicing', 'elit', 'sed', 'do', 'eiusmod', 'tempor',
  'incididunt', 'ut', 'labore', 'et', 'dolore', 'magna', 'aliqua',
];

export const WORDS = [
  'exercitationem', 'perferendis', 'perspiciatis', 'laborum', 'eveniet', 'sunt', 'iure', 'nam', 'nobis', 'eum',
  'cum', 'officiis', 'excepturi', 'odio', 'consectetur', 'quasi', 'aut', 'quisquam', 'vel', 'eligendi', 'itaque',
  'non', 'odit', 'tempore', 'quaerat', 'dignissimos', 'facilis', 'neque', 'nihil', 'expedita', 'vitae', 'vero',
  'ipsum', 'nisi', 'animi', 'cumque', 'pariatur', 'velit', 'modi', 'natus', 'iusto', 'eaque', 'sequi', 'illo', 'sed',
  'ex', 'et', 'voluptatibus', 'tempora', 'veritatis', 'ratione', 'assumenda', 'incidunt', 'nostrum', 'placeat',
  'aliquid', 'fuga', 'provident', 'praesentium', 'rem', 'necessitatibus', 'suscipit', 'adipisci', 'quidem',
  'possimus', 'voluptas', 'debitis', 'sint', 'accusantium', 'unde', 'sapiente', 'voluptate', 'qui', 'aspernatur',
  'laudantium', 'soluta', 'amet', 'quo', 'aliquam', 'saepe', 'culpa', 'libero', 'ipsa', 'dicta', 'reiciendis',
  'nesciunt', 'doloribus', 'autem', 'impedit', 'minima', 'maiores', 'repudiandae', 'ipsam', 'obcaecati', 'ullam',
  'enim', 'totam', 'delectus', 'ducimus', 'quis', 'voluptates', 'dolores', 'molestiae', 'harum', 'dolorem', 'quia',
  'voluptatem', 'molestias', 'magni', 'distinctio', 'omnis', 'illum', 'dolorum', 'voluptatum', 'ea', 'quas', 'quam',
  'corporis', 'quae', 'blanditiis', 'atque', 'deserunt', 'laboriosam', 'earum', 'consequuntur', 'hic',
  'cupiditate', 'quibusdam', 'accusamus', 'ut', 'rerum', 'error', 'minus', 'eius', 'ab', 'ad', 'nemo', 'fugit',
  'officia', 'at', 'in', 'id', 'quos', 'reprehenderit', 'numquam', 'iste', 'fugiat', 'sit', 'inventore', 'beatae',
  'repellendus', 'magnam', 'recusandae', 'quod', 'explicabo', 'doloremque', 'aperiam', 'consequatur', 'asperiores',
  'commodi', 'optio', 'dolor', 'labore', 'temporibus', 'repellat', 'veniam', 'architecto', 'est', 'esse', 'mollitia',
  'nulla', 'a', 'similique', 'eos', 'alias', 'dolore', 'tenetur', 'deleniti', 'porro', 'facere', 'maxime',
  'corrupti',
];

/** More than this many words or paragraphs is a typo, not a prototype. */
export const MAX_LOREM_COUNT = 10_000;

/** Numbers in [0, 1), like Math.random. */
export type Random = () => number;

/** A small, fast generator (mulberry32) whose sequence is fixed by `seed`. */
export function seededRandom(seed: string): Random {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const randomInt = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

/** `count` distinct words in random order (Python's random.sample). */
function sample(random: Random, words: readonly string[], count: number): string[] {
  const pool = [...words];
  for (let i = 0; i < count; i++) {
    const j = randomInt(random, i, pool.length - 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

/** A random sentence: one to five comma-separated sections of 3 to 12 words. */
export function sentence(random: Random): string {
  const sections = Array.from({ length: randomInt(random, 1, 5) }, () => sample(random, WORDS, randomInt(random, 3, 12)).join(' '));
  const text = sections.join(', ');
  return text[0]!.toUpperCase() + text.slice(1) + (random() < 0.5 ? '?' : '.');
}

/** A random paragraph of one to four sentences. */
export function paragraph(random: Random): string {
  return Array.from({ length: randomInt(random, 1, 4) }, () => sentence(random)).join(' ');
}

/** `count` paragraphs; with `common`, the first is the classic "Lorem ipsum dolor sit amet" one. */
export function paragraphs(count: number, common: boolean, random: Random): string[] {
  return Array.from({ length: count }, (_, i) => (common && i === 0 ? COMMON_P : paragraph(random)));
}

/** `count` words; with `common`, they start with "lorem ipsum dolor sit amet". */
export function words(count: number, common: boolean, random: Random): string {
  if (common && count <= COMMON_WORDS.length) return COMMON_WORDS.slice(0, count).join(' ');
  const list = common ? [...COMMON_WORDS] : [];
  let missing = count - list.length;
  while (missing > 0) {
    const batch = Math.min(missing, WORDS.length);
    list.push(...sample(random, WORDS, batch));
    missing -= batch;
  }
  return list.join(' ');
}

export type LoremMethod = 'w' | 'p' | 'b';

/** What `{% lorem count method [random] %}` prints: words, HTML paragraphs or plain-text blocks. */
export function lorem(count: number, method: LoremMethod, common: boolean, random: Random): string {
  if (!Number.isInteger(count) || count < 0 || count > MAX_LOREM_COUNT) {
    throw new Error(`lorem: the count must be a whole number from 0 to ${MAX_LOREM_COUNT} (got ${count}).`);
  }
  if (method === 'w') return words(count, common, random);
  const paras = paragraphs(count, common, random);
  return method === 'p' ? paras.map((p) => `<p>${p}</p>`).join('\n\n') : paras.join('\n\n');
}

const METHODS = new Set<string>(['w', 'p', 'b']);
const USAGE = 'use {% lorem [count] [w|p|b] [random] %}, e.g. {% lorem 3 p %}';

interface Token {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}

/**
 * The tag, parsed like Django's: from the end, an optional `random`, an
 * optional method, then an optional count (a number or a variable).
 */
export class LoremExtension implements nunjucks.Extension {
  tags = ['lorem'];

  // nunjucks hands its parser, node classes and lexer; none are typed.
  parse(parser: any, nodes: any, lexer: any): unknown {
    const tag: Token = parser.nextToken();
    const bits: Token[] = [];
    while (!parser.skip(lexer.TOKEN_BLOCK_END)) {
      const token: Token | null = parser.nextToken();
      if (!token) parser.fail(`lorem: the tag is not closed; ${USAGE}`, tag.lineno, tag.colno);
      bits.push(token!);
    }
    const common = bits.at(-1)?.value !== 'random';
    if (!common) bits.pop();
    const method = bits.length && METHODS.has(bits.at(-1)!.value) ? bits.pop()!.value : 'b';
    const count = bits.pop();
    if (bits.length) parser.fail(`lorem: unexpected "${bits[0]!.value}"; ${USAGE}`, bits[0]!.lineno, bits[0]!.colno);

    const args = new nodes.NodeList(tag.lineno, tag.colno);
    if (!count) args.addChild(new nodes.Literal(tag.lineno, tag.colno, 1));
    else if (count.type === lexer.TOKEN_INT) args.addChild(new nodes.Literal(count.lineno, count.colno, Number(count.value)));
    else if (count.type === lexer.TOKEN_SYMBOL) args.addChild(new nodes.Symbol(count.lineno, count.colno, count.value));
    else parser.fail(`lorem: "${count.value}" is not a count; ${USAGE}`, count.lineno, count.colno);
    args.addChild(new nodes.Literal(tag.lineno, tag.colno, method));
    args.addChild(new nodes.Literal(tag.lineno, tag.colno, common));
    args.addChild(new nodes.Literal(tag.lineno, tag.colno, `${tag.lineno}:${tag.colno}`));
    return new nodes.CallExtension(this, 'run', args);
  }

  /** How many times each tag has run in one render (a tag in a loop runs once per turn). */
  private readonly runs = new WeakMap<object, Map<string, number>>();

  run(context: { ctx?: Record<string, unknown> }, count: unknown, method: LoremMethod, common: boolean, place: string): nunjucks.runtime.SafeString {
    const n = typeof count === 'string' && /^\d+$/.test(count.trim()) ? Number(count) : count;
    if (typeof n !== 'number') throw new Error(`lorem: the count must be a number (got ${JSON.stringify(count) ?? 'nothing'}).`);
    let runs = this.runs.get(context);
    if (!runs) this.runs.set(context, (runs = new Map()));
    const turn = runs.get(place) ?? 0;
    runs.set(place, turn + 1);
    // The page (its slug, which dev and build both render with), the tag's place in its template, and the turn.
    const seed = `${String(context.ctx?.slug ?? '')}\n${place}\n${turn}`;
    return new nunjucks.runtime.SafeString(lorem(n, method, common, seededRandom(seed)));
  }
}
