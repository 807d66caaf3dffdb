// The URLs a stylesheet references: `url(...)` tokens and `@import "..."`
// strings, found and replaced in one pass that skips comments and other
// strings.
import type { UrlVisitor } from './html.ts';

/** End index (exclusive, past the closing quote) of the string starting at `start`. */
function stringEnd(css: string, start: number): number {
  const quote = css[start];
  let i = start + 1;
  while (i < css.length && css[i] !== quote && css[i] !== '\n') {
    i += css[i] === '\\' ? 2 : 1;
  }
  return Math.min(i + 1, css.length);
}

/** `url` written back inside the quotes it came in (or none), escaped for them. */
function quoteFor(url: string, quote: string): string {
  if (quote) return url.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`);
  return /[\s()'"\\]/.test(url) ? `"${url.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : url;
}

/**
 * Call `visit` for every URL the stylesheet references and return it with
 * each replaced by what `visit` returned.
 */
export function transformCss(css: string, visit: UrlVisitor): string {
  let out = '';
  let copied = 0;
  const replace = (start: number, end: number, url: string, quote: string) => {
    const replacement = visit(url);
    if (replacement === url) return;
    out += css.slice(copied, start) + quoteFor(replacement, quote);
    copied = end;
  };

  // Where anything of interest may start; everything between is skipped at regex speed.
  const tokens = /\/\*|["';{]|@import(?![\w-])|(?<![\w-])url\(/gi;
  let afterImport = false;
  for (let match; (match = tokens.exec(css)); ) {
    const at = match.index;
    const token = match[0];
    if (token === '/*') {
      const close = css.indexOf('*/', at + 2);
      tokens.lastIndex = close === -1 ? css.length : close + 2;
    } else if (token === '"' || token === "'") {
      const end = stringEnd(css, at);
      if (afterImport) replace(at + 1, end - 1, css.slice(at + 1, end - 1), token);
      afterImport = false;
      tokens.lastIndex = end;
    } else if (token === ';' || token === '{') {
      afterImport = false;
    } else if (token[0] === '@') {
      afterImport = true;
    } else {
      afterImport = false;
      let j = at + 4;
      while (/\s/.test(css[j] ?? '')) j++;
      let close: number;
      if (css[j] === '"' || css[j] === "'") {
        // url("...") is a function holding a string token.
        const end = stringEnd(css, j);
        replace(j + 1, end - 1, css.slice(j + 1, end - 1), css[j]!);
        close = css.indexOf(')', end);
      } else {
        close = css.indexOf(')', j);
        const url = css.slice(j, close === -1 ? css.length : close).trimEnd();
        if (url) replace(j, j + url.length, url, '');
      }
      tokens.lastIndex = close === -1 ? css.length : close + 1;
    }
  }
  return copied === 0 ? css : out + css.slice(copied);
}

/** Every URL the stylesheet references, as written. */
export function cssUrls(css: string): string[] {
  const urls: string[] = [];
  transformCss(css, (url) => {
    urls.push(url);
    return url;
  });
  return urls;
}
