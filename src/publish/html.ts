// The URLs an HTML document references, found and replaced in one pass.
// A small tokenizer rather than a DOM: it only needs tags, attributes and
// raw-text elements, keeps every byte it does not replace, and costs a
// fraction of a parse on pages a build handles by the thousand.
import { transformCss } from './css.ts';

/** How an attribute's value holds URLs. */
type ValueKind = 'url' | 'srcset' | 'css';

const URL_ATTRIBUTES: Record<string, Record<string, ValueKind>> = {
  a: { href: 'url' },
  area: { href: 'url' },
  link: { href: 'url', imagesrcset: 'srcset' },
  script: { src: 'url' },
  img: { src: 'url', srcset: 'srcset' },
  source: { src: 'url', srcset: 'srcset' },
  video: { src: 'url', poster: 'url' },
  audio: { src: 'url' },
  track: { src: 'url' },
  iframe: { src: 'url' },
  embed: { src: 'url' },
  object: { data: 'url' },
  input: { src: 'url', formaction: 'url' },
  form: { action: 'url' },
  button: { formaction: 'url' },
  // SVG inside HTML.
  image: { href: 'url', 'xlink:href': 'url' },
  use: { href: 'url', 'xlink:href': 'url' },
};

/** Elements whose content is text up to their end tag, not markup; and where that end tag is. */
const RAW_TEXT_END = new Map(
  ['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext'].map((tag) => [tag, new RegExp(`</${tag}`, 'gi')]),
);

/** Called with each referenced URL as written (entities decoded); returns its replacement. */
export type UrlVisitor = (url: string) => string;

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Character references in attribute values; URLs only ever need these. */
export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));?/g, (whole, dec?: string, hex?: string, name?: string) => {
    if (name !== undefined) return NAMED_ENTITIES[name] ?? whole;
    const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function encodeAttribute(value: string, quote: string): string {
  const escaped = value.replace(/&/g, '&amp;');
  if (quote === '"') return escaped.replace(/"/g, '&quot;');
  if (quote === "'") return escaped.replace(/'/g, '&#39;');
  return `"${escaped.replace(/"/g, '&quot;')}"`;
}

/** The candidates of a srcset value ("a.png 1x, b.png 2x"), each replaced by `visit`. */
export function transformSrcset(value: string, visit: UrlVisitor): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const skipped = /^[\s,]*/.exec(value.slice(i))![0];
    out += skipped;
    i += skipped.length;
    if (i >= value.length) break;
    let end = i;
    while (end < value.length && !/\s/.test(value[end]!)) end++;
    let url = value.slice(i, end);
    let trailing = '';
    if (url.endsWith(',')) {
      // A URL ending in commas has no descriptors; the commas separate candidates.
      trailing = /,+$/.exec(url)![0];
      url = url.slice(0, -trailing.length);
      out += visit(url) + trailing;
      i = end;
      continue;
    }
    out += visit(url);
    i = end;
    // Descriptors run to the next comma outside parentheses.
    let depth = 0;
    while (i < value.length && !(value[i] === ',' && depth === 0)) {
      if (value[i] === '(') depth++;
      else if (value[i] === ')') depth = Math.max(0, depth - 1);
      out += value[i++];
    }
  }
  return out;
}

function transformValue(kind: ValueKind, value: string, visit: UrlVisitor): string {
  if (kind === 'url') {
    // Browsers strip leading and trailing whitespace from URL attributes.
    const url = value.trim();
    return url === '' ? value : visit(url);
  }
  if (kind === 'srcset') return transformSrcset(value, visit);
  return transformCss(value, visit);
}

const TAG_NAME = /[a-zA-Z][^\s/>]*/y;
/**
 * Whitespace or stray slashes, then one attribute: a name, optionally "=" and
 * a double-quoted, single-quoted or unquoted value (an unclosed quote runs to
 * the end, as in browsers). No name means the tag ends here.
 */
const ATTRIBUTE = /[\s/]*(?:([^\s/>][^\s/>=]*)\s*(?:=\s*(?:"([^"]*)("?)|'([^']*)('?)|([^\s>]*)))?)?/y;


interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Call `visit` for every URL the document references (see URL_ATTRIBUTES,
 * `style` attributes and <style> elements, in document order) and return the
 * document with each URL replaced by what `visit` returned. Untouched bytes
 * stay as they were.
 */
export function transformHtml(html: string, visit: UrlVisitor): string {
  const edits: Edit[] = [];
  const n = html.length;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt === -1) break;
    i = lt + 1;
    if (html.startsWith('!--', i)) {
      const close = html.indexOf('-->', i + 3);
      i = close === -1 ? n : close + 3;
      continue;
    }
    if (html[i] === '!' || html[i] === '?' || html[i] === '/') {
      const close = html.indexOf('>', i);
      i = close === -1 ? n : close + 1;
      continue;
    }
    TAG_NAME.lastIndex = i;
    const tagMatch = TAG_NAME.exec(html);
    if (!tagMatch) continue; // a "<" that opens no tag is text
    const tag = tagMatch[0].toLowerCase();
    const urlAttributes = URL_ATTRIBUTES[tag];
    i = TAG_NAME.lastIndex;
    // Attributes, until the tag's closing '>'.
    for (;;) {
      ATTRIBUTE.lastIndex = i;
      const attribute = ATTRIBUTE.exec(html)!;
      i = ATTRIBUTE.lastIndex;
      const rawName = attribute[1];
      if (rawName === undefined) break;
      const value = attribute[2] ?? attribute[4] ?? attribute[6];
      if (value === undefined) continue;
      const name = rawName.toLowerCase();
      const kind: ValueKind | undefined = name === 'style' ? 'css' : urlAttributes?.[name];
      if (!kind) continue;
      const quote = attribute[2] !== undefined ? '"' : attribute[4] !== undefined ? "'" : '';
      const valueStart = i - value.length - (attribute[3] || attribute[5] || '').length;
      const decoded = decodeEntities(value);
      const replaced = transformValue(kind, decoded, visit);
      if (replaced !== decoded) edits.push({ start: valueStart, end: valueStart + value.length, text: encodeAttribute(replaced, quote) });
    }
    i++; // past '>'
    const endTag = RAW_TEXT_END.get(tag);
    if (endTag) {
      endTag.lastIndex = i;
      const contentEnd = endTag.exec(html)?.index ?? n;
      if (tag === 'style') {
        const css = html.slice(i, contentEnd);
        const replaced = transformCss(css, visit);
        if (replaced !== css) edits.push({ start: i, end: contentEnd, text: replaced });
      }
      i = contentEnd;
    }
  }
  if (edits.length === 0) return html;
  let out = '';
  let at = 0;
  for (const edit of edits) {
    out += html.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + html.slice(at);
}

/** Every URL the document references, as written. */
export function htmlUrls(html: string): string[] {
  const urls: string[] = [];
  transformHtml(html, (url) => {
    urls.push(url);
    return url;
  });
  return urls;
}
