// The one place that says which security headers a response carries: the
// app's middleware (src/http.ts) and the static build (its pages' <meta>
// and its _headers file) read them from here.
//
// The Content-Security-Policy allows no inline script or style by default.
// The inline <script> and <style> elements, `style` attributes and event
// handler attributes a page does hold (our templates', a designer's) are
// allowed one by one, by the SHA-256 of their text, computed from the HTML
// as it is sent: a designer never edits a policy, and a static file, which
// cannot carry a fresh nonce per response, carries the same policy.
//
// A page with a search box ({{ search() }}) may also compile WebAssembly
// ('wasm-unsafe-eval'): Pagefind's search runs as WebAssembly in the page.
// It allows no eval of JavaScript; pages without the box do not get it.
import { createHash } from 'node:crypto';
import { decodeEntities } from './publish/html.ts';
import { SEARCH_BOX_ATTRIBUTE } from './search/marker.ts';

/** On every response: no MIME sniffing, no framing, no Referer to other origins. */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'same-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
];

/** URL prefixes whose responses other sites embed by design (placeholder images, renditions). */
export const EMBEDDABLE_PREFIXES: readonly string[] = ['/image/', '/renditions/'];

/** Cross-Origin-Resource-Policy for a path: other sites may load only what they are meant to embed. */
export function resourcePolicy(path: string): 'cross-origin' | 'same-origin' {
  return EMBEDDABLE_PREFIXES.some((prefix) => path.startsWith(prefix)) ? 'cross-origin' : 'same-origin';
}

/** Strict-Transport-Security for responses sent over HTTPS: two years, the length browsers' preload lists ask for. */
export const STRICT_TRANSPORT_SECURITY = 'max-age=63072000';

/** What an HTML document runs and applies inline, as CSP hash sources. */
interface InlineContent {
  scripts: Set<string>;
  styles: Set<string>;
  /** `style="..."` and `onclick="..."`: allowed by hash only with 'unsafe-hashes'. */
  styleAttributes: Set<string>;
  handlerAttributes: Set<string>;
  /** Other origins the document loads scripts and stylesheets from by name (`<script src="https://cdn...">`). */
  scriptOrigins: Set<string>;
  styleOrigins: Set<string>;
  /** It holds a search box, whose index is searched with WebAssembly. */
  searchBox: boolean;
}

const hashSource = (text: string): string => `'sha256-${createHash('sha256').update(text.replace(/\r\n?/g, '\n')).digest('base64')}'`;

const TAG = /<([a-zA-Z][^\s/>]*)/g;
const ATTRIBUTE = /[\s/]*(?:([^\s/>][^\s/>=]*)\s*(?:=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s>]*)))?)?/y;
const END_TAG = { script: /<\/script/gi, style: /<\/style/gi };
/** Script types a browser runs (anything else, such as application/json, is data). */
const SCRIPT_TYPES = new Set(['', 'text/javascript', 'module', 'application/javascript']);

/** The origin of an absolute http(s) URL (a relative one is 'self'). */
function addOrigin(origins: Set<string>, url: string): void {
  if (!/^\s*(https?:)?\/\//i.test(url)) return;
  try {
    const origin = new URL(url.trim(), 'https://relative.invalid').origin;
    if (origin !== 'https://relative.invalid') origins.add(origin);
  } catch {
    // not a URL: loads nothing
  }
}

/** The inline content of an HTML document, by a small tokenizer: tags, attributes, raw-text elements, comments. */
function inlineContent(html: string): InlineContent {
  const found: InlineContent = { scripts: new Set(), styles: new Set(), styleAttributes: new Set(), handlerAttributes: new Set(), scriptOrigins: new Set(), styleOrigins: new Set(), searchBox: false };
  let i = 0;
  while (i < html.length) {
    const comment = html.indexOf('<!--', i);
    TAG.lastIndex = i;
    const tag = TAG.exec(html);
    if (!tag) break;
    if (comment !== -1 && comment < tag.index) {
      const close = html.indexOf('-->', comment + 4);
      i = close === -1 ? html.length : close + 3;
      continue;
    }
    const name = tag[1]!.toLowerCase();
    i = TAG.lastIndex;
    let type = '';
    let src: string | undefined;
    let rel = '';
    for (;;) {
      ATTRIBUTE.lastIndex = i;
      const attribute = ATTRIBUTE.exec(html)!;
      i = ATTRIBUTE.lastIndex;
      if (attribute[1] === undefined) break;
      const attributeName = attribute[1].toLowerCase();
      const value = attribute[2] ?? attribute[3] ?? attribute[4];
      if (attributeName === SEARCH_BOX_ATTRIBUTE) found.searchBox = true;
      if (value === undefined) continue;
      if (attributeName === 'style') found.styleAttributes.add(hashSource(decodeEntities(value)));
      else if (attributeName.startsWith('on')) found.handlerAttributes.add(hashSource(decodeEntities(value)));
      else if (attributeName === 'type') type = decodeEntities(value).trim().toLowerCase();
      else if (attributeName === (name === 'link' ? 'href' : 'src')) src = decodeEntities(value);
      else if (attributeName === 'rel') rel = value.toLowerCase();
    }
    i++; // past '>'
    if (name === 'link' && src !== undefined && /(^|\s)stylesheet(\s|$)/.test(rel)) addOrigin(found.styleOrigins, src);
    if (name === 'script' && src !== undefined) addOrigin(found.scriptOrigins, src);
    if (name !== 'script' && name !== 'style') continue;
    const endTag = END_TAG[name];
    endTag.lastIndex = i;
    const end = endTag.exec(html)?.index ?? -1;
    const content = html.slice(i, end === -1 ? html.length : end);
    if (name === 'style') found.styles.add(hashSource(content));
    else if (src === undefined && SCRIPT_TYPES.has(type)) found.scripts.add(hashSource(content));
    i = end === -1 ? html.length : end;
  }
  return found;
}

export interface PolicyOptions {
  /** `meta`: for a <meta http-equiv>, which cannot carry frame-ancestors (the X-Frame-Options header does that). */
  delivery?: 'header' | 'meta';
}

/** The Content-Security-Policy for this HTML document: strict, with hashes for what it holds inline. */
export function contentSecurityPolicy(html: string, options: PolicyOptions = {}): string {
  const inline = inlineContent(html);
  const withHashes = (sources: string[], hashes: Set<string>, attributes: Set<string>) => [
    ...sources,
    ...hashes,
    ...(attributes.size ? ["'unsafe-hashes'", ...[...attributes].filter((hash) => !hashes.has(hash))] : []),
  ];
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'none'"]],
    ['script-src', withHashes(["'self'", ...(inline.searchBox ? ["'wasm-unsafe-eval'"] : []), ...inline.scriptOrigins], inline.scripts, inline.handlerAttributes)],
    ['style-src', withHashes(["'self'", ...inline.styleOrigins], inline.styles, inline.styleAttributes)],
    // Images and media are passive: a prototype may show them from anywhere secure.
    ['img-src', ["'self'", 'data:', 'blob:', 'https:']],
    ['font-src', ["'self'", 'data:']],
    ['media-src', ["'self'", 'https:']],
    ['manifest-src', ["'self'"]],
    // 'self' covers the board's websocket too: CSP 3 matches ws: and wss: to the page's own host.
    ['connect-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'self'"]],
  ];
  if (options.delivery !== 'meta') directives.push(['frame-ancestors', ["'none'"]]);
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}

/**
 * The document's policy both ways from one reading of it: as a header, and
 * for its <meta> (the same without frame-ancestors, which comes last).
 */
export function contentSecurityPolicies(html: string): { header: string; meta: string } {
  const meta = contentSecurityPolicy(html, { delivery: 'meta' });
  return { meta, header: `${meta}; frame-ancestors 'none'` };
}

/**
 * The document with its policy in a <meta http-equiv> at the top of its
 * <head> (for hosts that cannot set headers); `policy` when already known
 * (the <meta> holds no inline content, so the policy is the same with it).
 */
export function withPolicyMeta(html: string, policy = contentSecurityPolicy(html, { delivery: 'meta' })): string {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">`;
  // After <meta charset> (which must come within the first 1024 bytes), else at the top of <head>.
  const anchor = /<meta\s+charset\b[^>]*>/i.exec(html) ?? /<head\b[^>]*>/i.exec(html);
  if (!anchor) return meta + html;
  const at = anchor.index + anchor[0].length;
  return html.slice(0, at) + meta + html.slice(at);
}
